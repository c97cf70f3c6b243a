import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

/**
 * The frames with the most self time in a V8 .cpuprofile, as "share  function  file:line". V8 samples
 * wall-clock time: a sample taken while the process waited for a core inside a native call (a socket
 * write that woke the client, which then ran on that core) counts for that call, so on a machine with
 * more runnable processes than cores the native write frames are inflated. bench/README.md says how
 * to read on-CPU time instead (perf).
 */
export function topFrames(profilePath: string, count: number): string[] {
  const profile = JSON.parse(readFileSync(profilePath, "utf8")) as { nodes: ProfileNode[]; samples: number[] };
  const nodesById = new Map(profile.nodes.map((node) => [node.id, node]));
  const samplesByFrame = new Map<string, number>();
  let busySamples = 0;
  for (const id of profile.samples) {
    const frame = nodesById.get(id)?.callFrame;
    // Idle time is the other measurements and the waits between them, not the app's work.
    if (frame === undefined || frame.functionName === "(idle)") continue;
    busySamples++;
    const file = frame.url.replace(/^.*\/(node_modules\/|app\/dist\/)/, "$1");
    const key = `${frame.functionName || "(anonymous)"}  ${file}${file ? `:${frame.lineNumber + 1}` : ""}`;
    samplesByFrame.set(key, (samplesByFrame.get(key) ?? 0) + 1);
  }
  return [...samplesByFrame]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([frame, samples]) => `${((samples / busySamples) * 100).toFixed(1).padStart(5)} %  ${frame}`);
}
