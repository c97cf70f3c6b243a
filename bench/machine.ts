/**
 * What the rest of the machine is doing while the benchmark runs, read from /proc: a throughput
 * ratio is only worth reporting when the benchmark had the cores to itself.
 */
import { readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";

// /proc/<pid>/stat and /proc/stat count CPU time in clock ticks: 100 a second on Linux.
const CLOCK_TICKS_PER_SECOND = 100;

/**
 * Other work may use at most this share of the machine's CPU capacity (all cores) before or during
 * a measurement. 10 % of 2 cores is a fifth of a core: a quiet machine shows 0 to 3 % (the system's own
 * daemons), a single build or test run next to the benchmark shows 40 % and more. The load average
 * is recorded too but not used: it decays over minutes, so it still reads high long after a job
 * ended, and low for a job that has just started.
 */
export const MAX_FOREIGN_CPU_SHARE = 0.1;

/**
 * User plus system CPU time a process has used so far, in seconds; with `withChildren`, also that of
 * its children that have exited (for the benchmark itself: redis-benchmark).
 */
export function cpuSecondsOf(pid: number, withChildren = false): number {
  // The command name (field 2) may hold spaces; the fields after its closing parenthesis do not.
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ").map(Number);
  return (fields[11] + fields[12] + (withChildren ? fields[13] + fields[14] : 0)) / CLOCK_TICKS_PER_SECOND;
}

/** Busy and total CPU time of the whole machine so far, in seconds (all cores). */
export function machineCpuSeconds(procStat = readFileSync("/proc/stat", "utf8")): { busy: number; total: number } {
  // "cpu  user nice system idle iowait irq softirq steal guest guest_nice"; guest time is already in user.
  const ticks = procStat.split("\n")[0].trim().split(/\s+/).slice(1, 9).map(Number);
  const total = ticks.reduce((sum, value) => sum + value, 0);
  const idle = ticks[3] + ticks[4];
  return { busy: (total - idle) / CLOCK_TICKS_PER_SECOND, total: total / CLOCK_TICKS_PER_SECOND };
}

/**
 * Measures the CPU the rest of the machine uses over a stretch of time: the machine's busy time
 * minus what the given processes (the benchmark's own) used. Call the result's `end()` when the stretch ends.
 */
export function foreignCpu(ownPids: () => readonly number[]): { end: () => number } {
  const ownCpu = (): number => ownPids().reduce((sum, pid) => sum + cpuSecondsOf(pid, pid === process.pid), 0);
  const machineBefore = machineCpuSeconds();
  const ownBefore = ownCpu();
  return {
    /** The share of the machine's capacity that other processes used, from 0 to 1. */
    end: () => {
      const machineAfter = machineCpuSeconds();
      const elapsed = machineAfter.total - machineBefore.total;
      const foreign = machineAfter.busy - machineBefore.busy - (ownCpu() - ownBefore);
      return elapsed > 0 ? Math.max(0, foreign / elapsed) : 0;
    },
  };
}

export interface MachineState {
  cores: number;
  loadAverage: [number, number, number];
  /** Share of the machine's CPU that other work used in the quiet sample before the run. */
  foreignShareBefore: number;
}

/** Samples the machine for `seconds` while the benchmark's own processes are idle. */
export async function sampleMachine(seconds: number, ownPids: () => readonly number[]): Promise<MachineState> {
  const sample = foreignCpu(ownPids);
  await new Promise((wake) => setTimeout(wake, seconds * 1000));
  return { cores: cpus().length, loadAverage: loadavg() as [number, number, number], foreignShareBefore: sample.end() };
}

/** Why ratios cannot be trusted, or undefined when the machine was quiet enough throughout. */
export function busyReason(foreignShareBefore: number, foreignShareByPhase: Record<string, number>): string | undefined {
  const percent = (share: number): string => `${(share * 100).toFixed(1)} %`;
  if (foreignShareBefore > MAX_FOREIGN_CPU_SHARE) {
    return `other work used ${percent(foreignShareBefore)} of the machine's CPU before the run (at most ${percent(MAX_FOREIGN_CPU_SHARE)} allowed), so the measurements would not have had the cores to themselves`;
  }
  const busiest = Object.entries(foreignShareByPhase).sort((a, b) => b[1] - a[1])[0];
  if (busiest !== undefined && busiest[1] > MAX_FOREIGN_CPU_SHARE) {
    return `other work used ${percent(busiest[1])} of the machine's CPU during "${busiest[0]}" (at most ${percent(MAX_FOREIGN_CPU_SHARE)} allowed), so it did not have the cores to itself`;
  }
  return undefined;
}
