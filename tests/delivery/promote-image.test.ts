import { strict as assert } from "node:assert";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { recordedCalls, runScript, ScriptResult, sandboxWithFakes } from "./run-script";

const registry = "123456789012.dkr.ecr.eu-west-1.amazonaws.com";
const staging = `${registry}/app-staging`;
const production = `${registry}/app-production`;
const tag = "3333333333333333333333333333333333333333";
const digest = "sha256:aaaa";

describe("promote-image.sh (stand-in aws and docker)", () => {
    let sandbox: { dir: string; path: string } | undefined;

    afterEach(() => {
        if (sandbox !== undefined) rmSync(sandbox.dir, { recursive: true, force: true });
        sandbox = undefined;
    });

    async function promote(images: Record<string, string>, target = production) {
        sandbox = sandboxWithFakes({ aws: "aws.js", docker: "docker.js" });
        const log = join(sandbox.dir, "calls.log");
        const imagesFile = join(sandbox.dir, "images.json");
        writeFileSync(log, "");
        writeFileSync(imagesFile, JSON.stringify(images));
        const result: ScriptResult = await runScript("promote-image.sh", ["--source", staging, "--target", target, "--tag", tag], {
            PATH: sandbox.path,
            FAKE_LOG: log,
            FAKE_ECR_IMAGES: imagesFile,
        });
        return { result, calls: recordedCalls(log), images: JSON.parse(readFileSync(imagesFile, "utf8")) as Record<string, string> };
    }

    it("copies the staging image by digest into production's repository", async () => {
        const { result, calls, images } = await promote({ [`app-staging:${tag}`]: digest });

        assert.equal(result.code, 0, result.stderr);
        assert.equal(images[`app-production:${tag}`], digest);
        assert.deepEqual(
            calls.find((call) => call[0] === "docker" && call[1] === "buildx"),
            ["docker", "buildx", "imagetools", "create", "--tag", `${production}:${tag}`, `${staging}@${digest}`],
        );
        assert.ok(calls.some((call) => call.join(" ") === `docker login --username AWS --password-stdin ${registry}`));
    });

    it("fails before copying anything when the tag was never built", async () => {
        const { result, calls } = await promote({});

        assert.equal(result.code, 1);
        assert.match(result.stderr, new RegExp(`${staging}:${tag} does not exist`));
        assert.ok(!calls.some((call) => call[0] === "docker"));
    });

    it("leaves an image production already has alone", async () => {
        const { result, calls } = await promote({ [`app-staging:${tag}`]: digest, [`app-production:${tag}`]: digest });

        assert.equal(result.code, 0, result.stderr);
        assert.ok(!calls.some((call) => call[0] === "docker"));
    });

    it("refuses when production's tag holds a different image", async () => {
        const { result } = await promote({ [`app-staging:${tag}`]: digest, [`app-production:${tag}`]: "sha256:bbbb" });

        assert.equal(result.code, 1);
        assert.match(result.stderr, /is sha256:bbbb, not sha256:aaaa/);
    });

    it("copies nothing when both stacks share one repository", async () => {
        const { result, calls } = await promote({ [`app-staging:${tag}`]: digest }, staging);

        assert.equal(result.code, 0, result.stderr);
        assert.ok(!calls.some((call) => call[0] === "docker"));
    });

    it("asks ECR in the repository's own account and region", async () => {
        const { calls } = await promote({ [`app-staging:${tag}`]: digest }, staging);

        assert.deepEqual(calls[0], [
            "aws", "ecr", "describe-images", "--region", "eu-west-1", "--registry-id", "123456789012", "--repository-name", "app-staging",
            "--image-ids", `imageTag=${tag}`, "--query", "imageDetails[0].imageDigest", "--output", "text",
        ]);
    });
});
