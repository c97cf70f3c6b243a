// Boots the pack the way `pulumi preview --policy-pack policy` does (Pulumi's run-policy-pack, resolved from
// policy/, compiling and type-checking with ts-node) and talks to it over the analyzer gRPC protocol.
import { strict as assert } from "assert";
import { ChildProcess, spawn } from "child_process";
import * as path from "path";
import { guardrails } from "../../policy/policies";
import { repositoryRoot } from "../../harness";
import { unknownDuringPreview, urnOf } from "./support";

const policyDirectory = path.join(repositoryRoot, "policy");
// The generated protocol modules have no useful types; these are the few calls made on them.
const fromPulumiSdk = (id: string): any => require(require.resolve(id, { paths: [path.dirname(require.resolve("@pulumi/pulumi/package.json"))] }));
const grpc = fromPulumiSdk("@grpc/grpc-js");
const { Struct } = fromPulumiSdk("google-protobuf/google/protobuf/struct_pb");
const { Empty } = fromPulumiSdk("google-protobuf/google/protobuf/empty_pb");
const analyzerRpc = require("@pulumi/pulumi/proto/analyzer_grpc_pb");
const analyzerProto = require("@pulumi/pulumi/proto/analyzer_pb");

function call(client: any, method: string, request: unknown): Promise<any> {
    return new Promise((resolve, reject) => client[method](request, (error: Error | null, response: unknown) => (error ? reject(error) : resolve(response))));
}

function analyzerResource(message: any, type: string, name: string, props: object): any {
    message.setUrn(urnOf(type, name));
    message.setType(type);
    message.setName(name);
    message.setProperties(Struct.fromJavaScript(props));
    message.setOptions(new analyzerProto.AnalyzerResourceOptions());
    return message;
}

interface Diagnostic {
    policy: string;
    message: string;
    mandatory: boolean;
}

const diagnostics = (response: any): Diagnostic[] =>
    response.getDiagnosticsList().map((d: any) => ({
        policy: d.getPolicyname(),
        message: d.getMessage(),
        mandatory: d.getEnforcementlevel() === analyzerProto.EnforcementLevel.MANDATORY,
    }));

describe("policy pack: served as Pulumi runs it", () => {
    let pack: ChildProcess;
    let client: any;

    before(async () => {
        const runPolicyPack = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [policyDirectory] });
        // The CLI passes the engine's address first; the pack only needs it for logging to the engine.
        pack = spawn(process.execPath, [runPolicyPack, "127.0.0.1:0", "."], { cwd: policyDirectory, stdio: ["ignore", "pipe", "pipe"] });
        let errors = "";
        pack.stderr?.on("data", (chunk) => (errors += chunk));
        const port = await new Promise<string>((resolve, reject) => {
            pack.stdout?.once("data", (chunk) => resolve(String(chunk).trim()));
            pack.once("exit", (code) => reject(new Error(`the pack exited (${code}) before serving:\n${errors}`)));
        });
        client = new analyzerRpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    });

    after(() => {
        client?.close();
        pack?.kill();
    });

    it("starts as eks-app-guardrails and serves every guardrail as mandatory", async () => {
        const info = await call(client, "getAnalyzerInfo", new Empty());
        assert.equal(info.getName(), "eks-app-guardrails");
        const served = info.getPoliciesList().map((p: any) => [p.getName(), p.getEnforcementlevel() === analyzerProto.EnforcementLevel.MANDATORY]);
        assert.deepEqual(served, guardrails.map((p) => [p.name, true]));
    });

    it("fails a violating resource with the policy's message", async () => {
        const request = analyzerResource(new analyzerProto.AnalyzeRequest(), "aws:ecr/repository:Repository", "app", { imageTagMutability: "MUTABLE", imageScanningConfiguration: { scanOnPush: true } });
        const [diagnostic, ...others] = diagnostics(await call(client, "analyze", request));
        assert.deepEqual(others, []);
        assert.equal(diagnostic.policy, "ecr-immutable-tags");
        assert.ok(diagnostic.mandatory);
        assert.match(diagnostic.message, /aws:ecr\/repository:Repository "app": image tags can be overwritten .*Fix: set imageTagMutability: "IMMUTABLE"/);
    });

    it("reports nothing, not even an advisory, for values unknown during preview", async () => {
        const request = analyzerResource(new analyzerProto.AnalyzeRequest(), "aws:ecr/repository:Repository", "app", {
            imageTagMutability: unknownDuringPreview.string,
            imageScanningConfiguration: { scanOnPush: unknownDuringPreview.boolean },
        });
        assert.deepEqual(diagnostics(await call(client, "analyze", request)), []);
    });

    it("runs stack policies over the whole stack", async () => {
        const deployment = {
            metadata: { name: "web", namespace: "default" },
            spec: { replicas: 2, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [] } } },
        };
        const request = new analyzerProto.AnalyzeStackRequest();
        request.setResourcesList([analyzerResource(new analyzerProto.AnalyzerResource(), "kubernetes:apps/v1:Deployment", "web", deployment)]);
        const found = diagnostics(await call(client, "analyzeStack", request));
        assert.deepEqual(found.map((d) => d.policy), ["k8s-pdb-for-replicated-deployments"]);
        assert.match(found[0].message, /kubernetes:apps\/v1:Deployment "web": it runs at least 2 replicas and no PodDisruptionBudget/);
    });
});
