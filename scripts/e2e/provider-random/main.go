// A stand-in for pulumi-resource-random, for the end-to-end suite only: the Go module proxy serves no version of
// github.com/pulumi/pulumi-random/provider/v4, so tools.sh builds this instead whenever no real plugin is on PATH.
// It implements the one resource the program uses, random:index/randomPassword:RandomPassword, with the semantics
// of the real (Terraform-bridged) provider that matter to the engine: defaults filled in by Check, every input
// forcing a replacement (the upstream schema marks each one ForceNew), a fresh value on create, and the state kept
// as is on read and refresh.
package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"os"
	"reflect"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"golang.org/x/crypto/bcrypt"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
)

var version = "dev"

const passwordType = "random:index/randomPassword:RandomPassword"

// The defaults of random_password's optional inputs (terraform-provider-random, internal/provider/resource_password.go).
var defaults = map[string]any{
	"special": true, "upper": true, "lower": true, "numeric": true,
	"minNumeric": float64(0), "minUpper": float64(0), "minLower": float64(0), "minSpecial": float64(0),
}

type provider struct {
	pulumirpc.UnimplementedResourceProviderServer
}

func main() {
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterResourceProviderServer(srv, &provider{})
			return nil
		},
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "random provider: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		os.Exit(1)
	}
}

func (p *provider) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

func (p *provider) GetSchema(context.Context, *pulumirpc.GetSchemaRequest) (*pulumirpc.GetSchemaResponse, error) {
	return &pulumirpc.GetSchemaResponse{Schema: `{"name":"random","version":"` + version + `"}`}, nil
}

func (p *provider) CheckConfig(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	return &pulumirpc.CheckResponse{Inputs: req.GetNews()}, nil
}

func (p *provider) DiffConfig(context.Context, *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}, nil
}

func (p *provider) Configure(context.Context, *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	return &pulumirpc.ConfigureResponse{}, nil
}

func (p *provider) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

func checkType(urn string) error {
	// urn:pulumi:<stack>::<project>::<parent types joined by $>$<type>::<name>
	parts := strings.Split(urn, "::")
	if len(parts) < 4 || !strings.HasSuffix("$"+parts[2], "$"+passwordType) {
		return status.Errorf(codes.Unimplemented, "the e2e random stand-in implements only %s, not %s", passwordType, urn)
	}
	return nil
}

func (p *provider) Check(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	if err := checkType(req.GetUrn()); err != nil {
		return nil, err
	}
	inputs := req.GetNews().AsMap()
	var failures []*pulumirpc.CheckFailure
	if length, ok := inputs["length"].(float64); !ok || length < 1 {
		failures = append(failures, &pulumirpc.CheckFailure{Property: "length", Reason: "length must be at least 1"})
	}
	for k, v := range defaults {
		if _, set := inputs[k]; !set {
			inputs[k] = v
		}
	}
	checked, err := structpb.NewStruct(inputs)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CheckResponse{Inputs: checked, Failures: failures}, nil
}

func (p *provider) Diff(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	if err := checkType(req.GetUrn()); err != nil {
		return nil, err
	}
	olds := req.GetOldInputs().AsMap()
	if req.GetOldInputs() == nil {
		olds = req.GetOlds().AsMap()
	}
	news := req.GetNews().AsMap()
	keys := map[string]bool{}
	for k := range news {
		keys[k] = true
	}
	for k := range olds {
		keys[k] = true
	}
	var replaces []string
	for k := range keys {
		if k == "result" || k == "bcryptHash" || k == "id" {
			continue
		}
		if !reflect.DeepEqual(olds[k], news[k]) {
			replaces = append(replaces, k)
		}
	}
	sort.Strings(replaces)
	if len(replaces) == 0 {
		return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}, nil
	}
	return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_SOME, Replaces: replaces, Diffs: replaces}, nil
}

func randomString(inputs map[string]any) (string, error) {
	length := int(inputs["length"].(float64))
	classes := []struct {
		enabled string
		minimum string
		chars   string
	}{
		{"lower", "minLower", "abcdefghijklmnopqrstuvwxyz"},
		{"upper", "minUpper", "ABCDEFGHIJKLMNOPQRSTUVWXYZ"},
		{"numeric", "minNumeric", "0123456789"},
		{"special", "minSpecial", "!@#$%&*()-_=+[]{}<>:?"},
	}
	if override, ok := inputs["overrideSpecial"].(string); ok && override != "" {
		classes[3].chars = override
	}
	pick := func(chars string) (byte, error) {
		n, err := rand.Int(rand.Reader, big.NewInt(int64(len(chars))))
		if err != nil {
			return 0, err
		}
		return chars[n.Int64()], nil
	}
	var all string
	var out []byte
	for _, c := range classes {
		if enabled, _ := inputs[c.enabled].(bool); !enabled {
			continue
		}
		all += c.chars
		minimum, _ := inputs[c.minimum].(float64)
		for i := 0; i < int(minimum); i++ {
			b, err := pick(c.chars)
			if err != nil {
				return "", err
			}
			out = append(out, b)
		}
	}
	if all == "" {
		return "", fmt.Errorf("every character class is disabled")
	}
	for len(out) < length {
		b, err := pick(all)
		if err != nil {
			return "", err
		}
		out = append(out, b)
	}
	for i := len(out) - 1; i > 0; i-- {
		j, err := rand.Int(rand.Reader, big.NewInt(int64(i+1)))
		if err != nil {
			return "", err
		}
		out[i], out[j.Int64()] = out[j.Int64()], out[i]
	}
	return string(out), nil
}

func (p *provider) Create(_ context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	if err := checkType(req.GetUrn()); err != nil {
		return nil, err
	}
	state := req.GetProperties().AsMap()
	if req.GetPreview() {
		delete(state, "result")
		s, err := structpb.NewStruct(state)
		return &pulumirpc.CreateResponse{Properties: s}, err
	}
	result, err := randomString(state)
	if err != nil {
		return nil, err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(result), bcrypt.DefaultCost)
	if err != nil {
		return nil, err
	}
	state["result"], state["bcryptHash"] = result, string(hash)
	s, err := structpb.NewStruct(state)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CreateResponse{Id: "none", Properties: s}, nil
}

func (p *provider) Read(_ context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	if err := checkType(req.GetUrn()); err != nil {
		return nil, err
	}
	return &pulumirpc.ReadResponse{Id: req.GetId(), Properties: req.GetProperties(), Inputs: req.GetInputs()}, nil
}

func (p *provider) Update(context.Context, *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	return nil, status.Error(codes.FailedPrecondition, "every RandomPassword input forces a replacement")
}

func (p *provider) Delete(_ context.Context, req *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, checkType(req.GetUrn())
}
