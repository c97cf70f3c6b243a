import { strict as assert } from "assert";
import { accessEntries } from "../../components/cluster";
import { ProgramError, ProgramRun, runProgram, testAccountId, testDeployerRoleArn } from "../../harness";
import { adminArn, ciDeployArn, clusterRuns, dependsOn, grants, noNamedRoles, viewerArn } from "./support";

describe("cluster", () => {
    let staging: ProgramRun;
    let production: ProgramRun;

    before(async () => {
        ({ staging, production } = await clusterRuns());
    });

    describe("access", () => {
        it("grants the deploying identity (the role behind the session) cluster admin explicitly", () => {
            assert.deepEqual(grants(staging), [{ principal: testDeployerRoleArn, policy: "AmazonEKSClusterAdminPolicy", scope: "cluster" }]);
            assert.equal(staging.one("aws:eks/accessEntry:AccessEntry", "-123456789012-role-ci-deployer").inputs.type, "STANDARD");
        });

        it("gives a principal listed as deployer, admin and viewer one entry, at the highest level", () => {
            assert.deepEqual(grants(production), [
                { principal: testDeployerRoleArn, policy: "AmazonEKSClusterAdminPolicy", scope: "cluster" },
                { principal: adminArn, policy: "AmazonEKSClusterAdminPolicy", scope: "cluster" },
                { principal: viewerArn, policy: "AmazonEKSViewPolicy", scope: "cluster" },
            ]);
            const principals = production.ofType("aws:eks/accessEntry:AccessEntry").map((e) => e.inputs.principalArn);
            assert.equal(new Set(principals).size, principals.length, "EKS refuses a second entry for a principal (409)");
        });

        it("lets viewers read without reading Secrets (AmazonEKSViewPolicy, not AdminView)", () => {
            const viewerGrant = grants(production).find((g) => g.principal === viewerArn);
            assert.equal(viewerGrant?.policy, "AmazonEKSViewPolicy");
        });

        it("names entries after their principal, so reordering the admin list renames nothing", async () => {
            const second = `arn:aws:iam::${testAccountId}:user/alice`;
            const names = async (admins: string[]) =>
                (await runProgram("dev", { without: noNamedRoles, config: { "eks-app:clusterAdminPrincipalArns": JSON.stringify(admins) } }))
                    .ofType("aws:eks/accessEntry:AccessEntry")
                    .filter((e) => e.inputs.type === "STANDARD")
                    .map((e) => `${e.name}=${e.inputs.principalArn}`)
                    .sort();
            assert.deepEqual(await names([adminArn, second]), await names([second, adminArn]));
        });

        it("keys entries by account, kind and name of the principal", () => {
            assert.deepEqual(
                accessEntries({ deployerPrincipalArn: ciDeployArn, adminPrincipalArns: [adminArn], viewerPrincipalArns: [] }).map((e) => e.key),
                ["123456789012-role-eks-app-ci-eks-app-deploy-production", "123456789012-role-platform-admins"],
            );
        });

        it("keeps entries made when they were keyed by list position, through aliases", () => {
            const entry = production.ofType("aws:eks/accessEntry:AccessEntry").find((e) => e.inputs.principalArn === testDeployerRoleArn)!;
            assert.deepEqual(entry.options.aliases, [{ name: "cluster-deployer" }]);
        });

        it("grants the configured CI deploy role, not whoever runs up, when clusterDeployerPrincipalArn is set", async () => {
            const run = await runProgram("prod", {
                without: noNamedRoles,
                config: {
                    "eks-app:clusterDeployerPrincipalArn": ciDeployArn,
                    "eks-app:clusterAdminPrincipalArns": JSON.stringify([testDeployerRoleArn]),
                },
            });
            assert.deepEqual(
                grants(run).map((g) => g.principal),
                [testDeployerRoleArn, ciDeployArn].sort(),
            );
        });

        it("refuses to start when the caller would have no access to the cluster it builds", async () => {
            const error = await runProgram("prod", { without: noNamedRoles, config: { "eks-app:clusterDeployerPrincipalArn": ciDeployArn } }).then(
                () => undefined,
                (e: ProgramError) => e,
            );
            assert.ok(error instanceof ProgramError);
            assert.match(error.message, /role\/ci-deployer is running this program but would have no access/);
            assert.deepEqual(error.resources.filter((r) => r.custom && !r.type.startsWith("pulumi:providers:")), []);
        });

        it("builds one Kubernetes provider from endpoint, CA and name, with get-token exec auth and no profile", () => {
            const provider = staging.one("pulumi:providers:kubernetes");
            const kubeconfig = JSON.parse(provider.inputs.kubeconfig);
            const user = kubeconfig.users[0].user;
            assert.equal(kubeconfig.clusters[0].cluster.server, "https://0123456789ABCDEF.gr7.eu-west-1.eks.amazonaws.com");
            assert.deepEqual(user.exec.args.slice(0, 4), ["eks", "get-token", "--cluster-name", "eks-app-dev"]);
            assert.ok(!user.exec.args.includes("--profile") && !user.exec.args.includes("--role-arn"));
        });

        it("lets nothing talk to the cluster before the access grants exist, and never drops objects it cannot reach", () => {
            const provider = staging.one("pulumi:providers:kubernetes");
            assert.ok(dependsOn(provider, "aws:eks/accessPolicyAssociation:AccessPolicyAssociation", "-123456789012-role-ci-deployer"));
            // deleteUnreachable would forget the LoadBalancer Service (and orphan its NLB) when the API is unreachable.
            assert.equal(provider.inputs.deleteUnreachable, undefined);
        });
    });
});
