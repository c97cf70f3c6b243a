import { strict as assert } from "node:assert";
import { FakeApp, FakeAppFaults, startFakeApp } from "./fake-app";
import { runScript, ScriptResult } from "./run-script";

describe("smoke-test.sh (fake app)", () => {
    let app: FakeApp | undefined;

    afterEach(async () => {
        await app?.close();
        app = undefined;
    });

    async function smokeTest(faults: FakeAppFaults = {}, readyAttempts = 3): Promise<ScriptResult> {
        app = await startFakeApp(faults);
        return runScript("smoke-test.sh", [`${app.url}/`], {
            SMOKE_READY_ATTEMPTS: String(readyAttempts),
            SMOKE_READY_INTERVAL_SECONDS: "0",
        });
    }

    it("passes a working app", async () => {
        const result = await smokeTest();

        assert.equal(result.code, 0, result.stderr);
        assert.match(result.stdout, /counted the visit \(0 -> 1\)/);
    });

    it("waits for an app that becomes ready within its attempts", async () => {
        const result = await smokeTest({ unreadyChecks: 2 }, 3);

        assert.equal(result.code, 0, result.stderr);
    });

    it("gives up on an app that is not ready after its attempts", async () => {
        const result = await smokeTest({ unreadyChecks: 3 }, 3);

        assert.equal(result.code, 1);
        assert.match(result.stderr, /readyz did not answer 2xx in 3 attempts/);
    });

    it("fails when the short URL redirects somewhere else", async () => {
        const result = await smokeTest({ brokenRedirects: 1 });

        assert.equal(result.code, 1);
        assert.match(result.stderr, /answered '302 https:\/\/wrong\.example\/', expected '302 https:\/\/example\.com\/smoke-test\//);
    });

    it("fails when the visit count does not rise", async () => {
        const result = await smokeTest({ losesVisits: true });

        assert.equal(result.code, 1);
        assert.match(result.stderr, /visit count of \/c1 stayed at 0 after a redirect/);
    });

    it("fails, within its timeouts, when nothing listens", async () => {
        const result = await runScript("smoke-test.sh", ["http://127.0.0.1:9"], { SMOKE_READY_ATTEMPTS: "2", SMOKE_READY_INTERVAL_SECONDS: "0" });

        assert.equal(result.code, 1);
        assert.match(result.stderr, /did not answer 2xx in 2 attempts/);
    });
});
