import { strict as assert } from "assert";
import { unknownCheckingProxy } from "@pulumi/policy";
import { plainProperties, unknownValue } from "../../policy/lib/properties";
import { formatUrn, parseUrn } from "../../policy/lib/urn";
import { unknownDuringPreview } from "./support";

describe("policy pack: reading resource properties", () => {
    const props = {
        name: "app",
        tags: { team: "web", owner: unknownDuringPreview.string },
        ports: [80, unknownDuringPreview.number],
        scan: { onPush: unknownDuringPreview.boolean },
        rules: unknownDuringPreview.array,
        settings: unknownDuringPreview.object,
    };
    const expected = {
        name: "app",
        tags: { team: "web", owner: unknownValue },
        ports: [80, unknownValue],
        scan: { onPush: unknownValue },
        rules: unknownValue,
        settings: unknownValue,
    };

    it("marks each value unknown during preview, at any depth, as the engine's proxy presents them", () => {
        assert.deepEqual(plainProperties(unknownCheckingProxy(props)), expected);
    });

    it("marks them the same way when the properties come unproxied", () => {
        assert.deepEqual(plainProperties(props), expected);
    });

    it("reads the stack, project, type and name from a URN, past parent types and a name containing ::", () => {
        assert.deepEqual(parseUrn("urn:pulumi:prod::eks-app::eks-app:platform:Cluster$eks:index:Cluster::cluster"), {
            stack: "prod",
            project: "eks-app",
            type: "eks:index:Cluster",
            name: "cluster",
        });
        assert.deepEqual(parseUrn("urn:pulumi:dev::eks-app-bootstrap::aws:iam/role:Role::a::b"), { stack: "dev", project: "eks-app-bootstrap", type: "aws:iam/role:Role", name: "a::b" });
    });

    it("writes a URN as the engine does: stack, project, parents' types, then the resource's type and name", () => {
        assert.equal(
            formatUrn({ stack: "prod", type: "eks:index:Cluster", name: "cluster" }, ["eks-app:platform:Cluster"]),
            "urn:pulumi:prod::eks-app::eks-app:platform:Cluster$eks:index:Cluster::cluster",
        );
    });
});
