import { strict as assert } from "node:assert";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { recordedCalls, runScript, ScriptResult, sandboxWithFakes } from "./run-script";

const registry = "123456789012.dkr.ecr.eu-west-1.amazonaws.com";
const staging = `${registry}/app-staging`;
const production = `${registry}/app-production`;
const tag = "3333333333333333333333333333333333333333";
const deployed = `sha256:${"a".repeat(64)}`;
const repushed = `sha256:${"c".repeat(64)}`;

describe("promote-image.sh (stand-in aws, and a docker that copies as buildx imagetools does)", () => {
    let sandbox: { dir: string; path: string } | undefined;

    afterEach(() => {
        if (sandbox !== undefined) rmSync(sandbox.dir, { recursive: true, force: true });
        sandbox = undefined;
    });

    async function promote(images: Record<string, string>, options: { target?: string; digest?: string; indexes?: string[] } = {}) {
        sandbox = sandboxWithFakes({ aws: "aws.js", docker: "docker.js" });
        const log = join(sandbox.dir, "calls.log");
        const imagesFile = join(sandbox.dir, "images.json");
        writeFileSync(log, "");
        writeFileSync(imagesFile, JSON.stringify(images));
        const args = ["--source", staging, "--target", options.target ?? production, "--tag", tag, "--digest", options.digest ?? deployed];
        const result: ScriptResult = await runScript("promote-image.sh", args, {
            PATH: sandbox.path,
            FAKE_LOG: log,
            FAKE_ECR_IMAGES: imagesFile,
            FAKE_ECR_INDEXES: JSON.stringify(options.indexes ?? []),
        });
        return { result, calls: recordedCalls(log), images: JSON.parse(readFileSync(imagesFile, "utf8")) as Record<string, string> };
    }

    it("copies the single-platform image staging deployed into production's repository with its digest unchanged", async () => {
        const { result, calls, images } = await promote({ [`app-staging:${tag}`]: deployed });

        assert.equal(result.code, 0, result.stderr);
        assert.equal(images[`app-production:${tag}`], deployed);
        assert.deepEqual(
            calls.find((call) => call[0] === "docker" && call[1] === "buildx"),
            ["docker", "buildx", "imagetools", "create", "--prefer-index=false", "--tag", `${production}:${tag}`, `${staging}@${deployed}`],
        );
        assert.ok(calls.some((call) => call.join(" ") === `docker login --username AWS --password-stdin ${registry}`));
    });

    it("copies the digest staging recorded, not the image the staging tag was re-pushed to since", async () => {
        const { result, images } = await promote({ [`app-staging@${deployed}`]: deployed, [`app-staging:${tag}`]: repushed });

        assert.equal(result.code, 0, result.stderr);
        assert.equal(images[`app-production:${tag}`], deployed);
    });

    it("fails, copying nothing, when the recorded digest is gone from staging's repository", async () => {
        const { result, images } = await promote({ [`app-staging:${tag}`]: repushed });

        assert.equal(result.code, 1);
        assert.equal(images[`app-production:${tag}`], undefined);
    });

    it("leaves an image production already has alone", async () => {
        const { result, calls } = await promote({ [`app-staging:${tag}`]: deployed, [`app-production:${tag}`]: deployed });

        assert.equal(result.code, 0, result.stderr);
        assert.ok(!calls.some((call) => call[0] === "docker"));
    });

    it("refuses when production's tag holds a different image", async () => {
        const { result } = await promote({ [`app-staging:${tag}`]: deployed, [`app-production:${tag}`]: repushed });

        assert.equal(result.code, 1);
        assert.match(result.stderr, new RegExp(`is ${repushed}, not ${deployed}`));
    });

    it("copies nothing when both stacks share one repository that has the image", async () => {
        const { result, calls } = await promote({ [`app-staging:${tag}`]: deployed }, { target: staging });

        assert.equal(result.code, 0, result.stderr);
        assert.ok(!calls.some((call) => call[0] === "docker"));
    });

    it("refuses a digest that is not a sha256 digest", async () => {
        const { result, calls } = await promote({ [`app-staging:${tag}`]: deployed }, { digest: "latest" });

        assert.equal(result.code, 2);
        assert.deepEqual(calls, []);
    });

    it("asks ECR in the repository's own account and region", async () => {
        const { calls } = await promote({ [`app-staging:${tag}`]: deployed, [`app-production:${tag}`]: deployed });

        assert.deepEqual(calls[0], [
            "aws", "ecr", "describe-images", "--region", "eu-west-1", "--registry-id", "123456789012", "--repository-name", "app-production",
            "--image-ids", `imageTag=${tag}`, "--query", "imageDetails[0].imageDigest", "--output", "text",
        ]);
    });

    describe("the stand-in docker, as buildx imagetools create", () => {
        it("wraps one single-platform manifest in a new index, with a new digest, unless told --prefer-index=false", async () => {
            sandbox = sandboxWithFakes({ docker: "docker.js" });
            const imagesFile = join(sandbox.dir, "images.json");
            const env = { PATH: sandbox.path, FAKE_LOG: join(sandbox.dir, "calls.log"), FAKE_ECR_IMAGES: imagesFile };
            writeFileSync(imagesFile, JSON.stringify({ [`app-staging:${tag}`]: deployed }));
            const { spawnSync } = await import("node:child_process");
            const docker = join(sandbox.dir, "bin", "docker");
            const create = (...flags: string[]) =>
                spawnSync(docker, ["buildx", "imagetools", "create", ...flags, "--tag", `${production}:${tag}`, `${staging}@${deployed}`], { env: { ...process.env, ...env } });

            assert.equal(create().status, 0);
            assert.notEqual(JSON.parse(readFileSync(imagesFile, "utf8"))[`app-production:${tag}`], deployed);
            assert.equal(create("--prefer-index=false").status, 0);
            assert.equal(JSON.parse(readFileSync(imagesFile, "utf8"))[`app-production:${tag}`], deployed);
        });

        it("copies an index as it is", async () => {
            const { images } = await promote({ [`app-staging:${tag}`]: deployed }, { indexes: [deployed] });
            assert.equal(images[`app-production:${tag}`], deployed);
        });
    });
});
