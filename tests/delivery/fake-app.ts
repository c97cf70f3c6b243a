// The URL shortener's HTTP contract, in memory, for the smoke and deploy script tests. Each fault it can be told
// to have is one a real deploy could show.
import { createServer, IncomingMessage, Server, ServerResponse } from "node:http";
import { AddressInfo } from "node:net";

export interface FakeAppFaults {
    /** /readyz answers 503 this many times first, like a load balancer whose DNS name does not resolve yet. */
    unreadyChecks?: number;
    /** The first this-many redirects send visitors to the wrong place. */
    brokenRedirects?: number;
    /** Redirects work but visits are never counted. */
    losesVisits?: boolean;
}

export interface FakeApp {
    url: string;
    close(): Promise<void>;
}

interface Link {
    url: string;
    visits: number;
    createdAt: string;
}

function readBody(request: IncomingMessage): Promise<string> {
    return new Promise((resolve, reject) => {
        const chunks: Buffer[] = [];
        request.on("data", (chunk: Buffer) => chunks.push(chunk));
        request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
        request.on("error", reject);
    });
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
    response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

export async function startFakeApp(faults: FakeAppFaults = {}): Promise<FakeApp> {
    const links = new Map<string, Link>();
    let unreadyChecks = faults.unreadyChecks ?? 0;
    let brokenRedirects = faults.brokenRedirects ?? 0;

    const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
        const path = new URL(request.url ?? "/", "http://localhost").pathname;
        if (request.method === "GET" && (path === "/healthz" || path === "/readyz")) {
            const ready = path === "/healthz" || unreadyChecks-- <= 0;
            sendJson(response, ready ? 200 : 503, { status: ready ? "ok" : "starting" });
            return;
        }
        if (request.method === "POST" && path === "/api/links") {
            const { url } = JSON.parse(await readBody(request)) as { url?: unknown };
            if (typeof url !== "string" || !/^https?:\/\//.test(url)) {
                sendJson(response, 400, { error: "url must be an http(s) URL" });
                return;
            }
            const code = `c${links.size + 1}`;
            links.set(code, { url, visits: 0, createdAt: new Date().toISOString() });
            sendJson(response, 201, { code, shortUrl: `http://${request.headers.host}/${code}` });
            return;
        }
        const stats = /^\/api\/links\/([^/]+)$/.exec(path);
        const link = links.get(stats?.[1] ?? path.slice(1));
        if (request.method === "GET" && link !== undefined) {
            if (stats !== null) {
                sendJson(response, 200, { code: stats[1], ...link });
                return;
            }
            if (!faults.losesVisits) link.visits += 1;
            const location = brokenRedirects-- > 0 ? "https://wrong.example/" : link.url;
            response.writeHead(302, { location }).end();
            return;
        }
        sendJson(response, 404, { error: "not found" });
    };

    const server: Server = createServer((request, response) => {
        handle(request, response).catch((error: Error) => sendJson(response, 500, { error: error.message }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return {
        url: `http://127.0.0.1:${port}`,
        close: () => new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
    };
}
