// `cilia lab run DIR`: starts the lab in virtual time, runs its lab.txt and reports mismatches.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseDuration } from '../config/cilium.ts';
import { type LabCli, labCli } from './cli-session.ts';
import { Lab } from './runtime.ts';
import { applyFilters, matchOutput, parseScenario, type ScenarioStep, splitPipeline, splitWords } from './scenario.ts';
import { loadTopology } from './topology.ts';

export interface StepResult {
  step: ScenarioStep;
  output: string;
  exitCode: number;
  ok: boolean;
  mismatch?: { expectedIndex: number; actualIndex: number };
}

export interface ScenarioRun {
  results: StepResult[];
  lab: Lab;
}

/** Runs one command line of a scenario against the lab; returns combined stdout+stderr. */
async function runStep(lab: Lab, cli: LabCli, command: string): Promise<{ output: string; exitCode: number }> {
  const [head, ...filters] = splitPipeline(command);
  const words = splitWords(head!);
  let output = '';
  let exitCode = 0;
  if (words[0] === 'sleep') {
    const ms = /^\d+(\.\d+)?$/.test(words[1] ?? '') ? Number(words[1]) * 1000 : parseDuration(words[1] ?? '');
    if (ms === undefined) throw new Error(`sleep: invalid time interval '${words[1]}'`);
    await lab.advance(ms);
  } else if (words[0] === 'cilia' || words[0] === 'kubectl' || words[0] === 'cilium') {
    ({ output, code: exitCode } = await cli(words.slice(1)));
  } else {
    throw new Error(`scenario commands start with cilia (or kubectl/cilium), or are "sleep N"; got: ${head}`);
  }
  return { output: filters.length ? applyFilters(output, filters) : output, exitCode };
}

export async function runScenario(dir: string, opts: { seed?: string; file?: string; onStep?: (r: StepResult) => void } = {}): Promise<ScenarioRun> {
  const loaded = loadTopology(dir);
  const file = resolve(loaded.dir, opts.file ?? 'lab.txt');
  const steps = parseScenario(readFileSync(file, 'utf8'));
  const lab = new Lab(loaded, { clock: 'virtual', seed: opts.seed });
  await lab.start();
  const cli = labCli(lab);
  const results: StepResult[] = [];
  for (const step of steps) {
    const { output, exitCode } = await runStep(lab, cli, step.command);
    const mismatch = matchOutput(step.expected, output.split('\n'));
    const ok = !mismatch && (step.exitCode === undefined || step.exitCode === exitCode);
    const r: StepResult = { step, output, exitCode, ok, mismatch };
    results.push(r);
    opts.onStep?.(r);
  }
  return { results, lab };
}

export function formatFailure(r: StepResult, file: string): string {
  const lines = [`${file}:${r.step.line}: $ ${r.step.command}`];
  if (r.step.exitCode !== undefined && r.step.exitCode !== r.exitCode) lines.push(`  exit code ${r.exitCode}, expected ${r.step.exitCode}`);
  if (r.mismatch) {
    const exp = r.step.expected;
    const act = r.output.replace(/\n$/, '').split('\n');
    lines.push(`  first difference at expected line ${r.mismatch.expectedIndex + 1}, output line ${r.mismatch.actualIndex + 1}`);
    lines.push('  --- expected');
    for (const [i, l] of exp.entries()) lines.push(`  ${i === r.mismatch.expectedIndex ? '>' : ' '} ${l}`);
    lines.push('  +++ actual');
    for (const [i, l] of act.entries()) lines.push(`  ${i === r.mismatch.actualIndex ? '>' : ' '} ${l}`);
  }
  return lines.join('\n');
}

export async function runScenarioCommand(dir: string, opts: { seed?: string; verbose?: boolean }): Promise<number> {
  const file = resolve(dir, 'lab.txt');
  const run = await runScenario(dir, {
    seed: opts.seed,
    onStep: (r) => {
      if (opts.verbose || !r.ok) process.stdout.write(`${r.ok ? 'ok  ' : 'FAIL'} $ ${r.step.command}\n`);
      if (opts.verbose) process.stdout.write(r.output);
      if (!r.ok) process.stdout.write(`${formatFailure(r, file)}\n`);
    },
  });
  await run.lab.stop();
  const failed = run.results.filter((r) => !r.ok).length;
  process.stdout.write(`${run.results.length - failed}/${run.results.length} steps passed (${file})\n`);
  return failed ? 1 : 0;
}
