// The `cilia` command line: kubectl-like verbs and cilium-like views against a running daemon.

import { Command, CommanderError, Option } from 'commander';
import { ApiClient, ApiError, DaemonUnreachableError, HttpTransport } from '../api/client.ts';
import { type CliContext, CliError } from './context.ts';
import { runApply, runCreate, runDeleteFiles } from './commands/apply.ts';
import { runCiliumStatus, runConfigSet, runConfigView } from './commands/cilium-status.ts';
import { runDescribe } from './commands/describe.ts';
import { runExec } from './commands/exec.ts';
import { runApiResources, runGet } from './commands/get.ts';
import { runCordon, runDelete, runDrain, runLabel, runPatch, runRolloutRestart, runScale } from './commands/mutate.ts';
import { FEATURE_COMMANDS } from './commands/index.ts';

export const DEFAULT_SERVER = 'http://127.0.0.1:7443';

/** Options every kubectl-like command takes. */
function withNamespace(cmd: Command): Command {
  return cmd.option('-n, --namespace <ns>', 'namespace scope for this request');
}

/** Builds the program; `run` receives each command's exit code. */
export function buildProgram(ctx: CliContext, run: (p: Promise<number>) => void): Command {
  const program = new Command('cilia')
    .description("Cilium's Kubernetes networking, emulated: kubectl- and cilium-like commands against a cilia lab")
    .option('-s, --server <url>', 'daemon API address (or CILIA_SERVER)')
    .enablePositionalOptions()
    .showHelpAfterError(false)
    // set before the subcommands are added, which copy these settings: errors throw, output goes to ctx
    .exitOverride()
    .configureOutput({ writeOut: (s) => ctx.stdout(s), writeErr: (s) => ctx.stderr(s) });

  withNamespace(program.command('get').description('Display one or many resources').argument('[resources...]'))
    .option('-A, --all-namespaces', 'list across all namespaces')
    .option('-o, --output <format>', 'wide|yaml|json|name|jsonpath=...')
    .option('-l, --selector <selector>', 'label selector')
    .option('--field-selector <selector>', 'field selector')
    .option('--show-labels', 'show all labels as the last column')
    .option('--no-headers', 'omit headers')
    .action((args: string[], o) => run(runGet(ctx, args, { namespace: o.namespace, allNamespaces: o.allNamespaces, output: o.output, selector: o.selector, fieldSelector: o.fieldSelector, showLabels: o.showLabels, noHeaders: o.headers === false })));

  program
    .command('api-resources')
    .description('Print the supported API resources')
    .action(() => run(runApiResources(ctx)));

  withNamespace(program.command('describe').description('Show details of a resource').argument('<resources...>')).action((args: string[], o) => run(runDescribe(ctx, args, o)));

  withNamespace(program.command('apply').description('Apply a configuration to resources by file name or stdin'))
    .requiredOption('-f, --filename <paths...>', 'files, directories, or - for stdin')
    .option('--dry-run <mode>', 'client|server|none')
    .action((o) => run(runApply(ctx, o.filename, { namespace: o.namespace, dryRun: o.dryRun })));

  withNamespace(program.command('create').description('Create resources from files or stdin'))
    .requiredOption('-f, --filename <paths...>', 'files, directories, or - for stdin')
    .action((o) => run(runCreate(ctx, o.filename, { namespace: o.namespace })));

  withNamespace(program.command('delete').description('Delete resources by file names, stdin, resources and names, or by label selector').argument('[resources...]'))
    .option('-f, --filename <paths...>', 'files, directories, or - for stdin')
    .option('-l, --selector <selector>', 'label selector')
    .option('--all', 'delete all resources of the type in the namespace')
    .option('--grace-period <seconds>', 'seconds given to the resource to terminate gracefully')
    .option('--force', 'immediate deletion')
    .action((args: string[], o) => run(o.filename ? runDeleteFiles(ctx, o.filename, o) : runDelete(ctx, args, o)));

  withNamespace(program.command('patch').description('Update fields of a resource').argument('<resources...>'))
    .requiredOption('-p, --patch <patch>', 'the patch (JSON)')
    .addOption(new Option('--type <type>', 'patch type').choices(['json', 'merge', 'strategic']))
    .option('--subresource <name>', 'status')
    .action((args: string[], o) => run(runPatch(ctx, args, o)));

  for (const [verb, field] of [
    ['label', 'labels'],
    ['annotate', 'annotations'],
  ] as const) {
    withNamespace(program.command(verb).description(`Update the ${field} on a resource`).argument('<args...>'))
      .option('--overwrite', 'allow existing values to be overwritten')
      .option('-l, --selector <selector>', 'label selector')
      .action((args: string[], o) => run(runLabel(ctx, field, args, o)));
  }

  withNamespace(program.command('scale').description('Set a new size for a deployment or replica set').argument('<resources...>'))
    .requiredOption('--replicas <count>', 'the new desired number of replicas')
    .action((args: string[], o) => run(runScale(ctx, args, o)));

  const rollout = program.command('rollout').description('Manage the rollout of a resource');
  withNamespace(rollout.command('restart').description('Restart a resource').argument('<resources...>')).action((args: string[], o) => run(runRolloutRestart(ctx, args, o)));

  program.command('cordon').description('Mark node as unschedulable').argument('<nodes...>').action((nodes: string[]) => run(runCordon(ctx, nodes, true)));
  program.command('uncordon').description('Mark node as schedulable').argument('<nodes...>').action((nodes: string[]) => run(runCordon(ctx, nodes, false)));
  program
    .command('drain')
    .description('Drain node in preparation for maintenance')
    .argument('<node>')
    .option('--ignore-daemonsets', 'ignore DaemonSet-managed pods')
    .option('--delete-emptydir-data', 'continue even if there are pods using emptyDir')
    .option('--force', 'continue even if there are pods that do not declare a controller')
    .action((node: string, o) => run(runDrain(ctx, node, o)));

  withNamespace(program.command('exec').description('Execute a command in a pod, node, router or host').argument('<target>').argument('[command...]'))
    .option('-c, --container <name>', 'container name')
    .option('-i, --stdin', 'pass stdin to the command')
    .option('-t, --tty', 'allocate a TTY (accepted for kubectl compatibility)')
    .option('--timeout <duration>', 'stop the command after this long (loops run until Ctrl-C otherwise)')
    .action((target: string, command: string[], o) => run(runExec(ctx, target, command, o)));

  program
    .command('status')
    .description('Display the status of Cilium (cilium status)')
    .option('--verbose', "also print the agent's detailed status (KubeProxyReplacement details)")
    .option('--node <name>', 'the node whose agent reports with --verbose (default: the first node)')
    .action((o) => run(runCiliumStatus(ctx, { verbose: o.verbose, node: o.node })));

  const config = program.command('config').description('Cilium configuration (cilium config)');
  config.command('view').description('View the cilium-config ConfigMap').action(() => run(runConfigView(ctx)));
  config
    .command('set')
    .description('Set configuration keys (cilium-config keys or Helm value names) and restart the agents')
    .argument('<key=value...>')
    .option('--no-restart', 'do not restart the Cilium pods')
    .action((pairs: string[], o) => run(runConfigSet(ctx, pairs, { restart: o.restart })));

  for (const register of FEATURE_COMMANDS) register(program, ctx, run);
  return program;
}

function defaultContext(server: string, signal: AbortSignal): CliContext {
  let client: ApiClient | undefined;
  return {
    client: () => (client ??= new ApiClient(new HttpTransport(server))),
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    now: () => Date.now(),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const c of process.stdin) chunks.push(c as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
    signal,
  };
}

/** kubectl accepts `-n NS` before the verb (`kubectl -n kube-system get lease`): move it after the verb. */
export function hoistNamespace(argv: string[]): string[] {
  const out = [...argv];
  const moved: string[] = [];
  while (out.length > 0) {
    const a = out[0]!;
    if ((a === '-n' || a === '--namespace') && out.length > 1) moved.push(...out.splice(0, 2));
    else if (a.startsWith('--namespace=') || (a.startsWith('-n') && a.length > 2)) moved.push(...out.splice(0, 1));
    else break;
  }
  if (moved.length === 0) return argv;
  const dashdash = out.indexOf('--');
  if (dashdash < 0) return [...out, ...moved];
  return [...out.slice(0, dashdash), ...moved, ...out.slice(dashdash)];
}

/** Runs one command line against a context; returns the exit code (0 success, 1 error). */
export async function runCli(rawArgv: string[], ctx: CliContext): Promise<number> {
  const argv = hoistNamespace(rawArgv);
  let pending: Promise<number> | undefined;
  const program = buildProgram(ctx, (p) => (pending = p));
  try {
    await program.parseAsync(argv, { from: 'user' });
    return pending ? await pending : 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 1;
    if (err instanceof ApiError) ctx.stderr(`Error from server (${err.reason}): ${err.message}\n`);
    else if (err instanceof CliError || err instanceof DaemonUnreachableError) ctx.stderr(`error: ${err.message}\n`);
    else ctx.stderr(`error: ${(err as Error).message}\n`);
    return 1;
  }
}

export async function main(argv: string[]): Promise<number> {
  const serverFlag = argv.findIndex((a) => a === '-s' || a === '--server');
  const server = serverFlag >= 0 ? argv[serverFlag + 1]! : (process.env.CILIA_SERVER ?? DEFAULT_SERVER);
  const rest = serverFlag >= 0 ? [...argv.slice(0, serverFlag), ...argv.slice(serverFlag + 2)] : argv;
  const ctl = new AbortController();
  process.once('SIGINT', () => ctl.abort());
  return runCli(rest, defaultContext(server, ctl.signal));
}
