/**
 * What a shape trace needs installed before it can run, and the install the prompt offers.
 *
 * The server (running from the extension's bundle) drives a Jupyter kernel with jupyter_client,
 * and the kernel runs in the project's interpreter (`layerlint.python`, else the server's), which
 * needs ipykernel. Nothing else is ever installed, and only after the user agreed to the exact
 * command line shown. Pure: no `vscode` import.
 */
import { displayCommandLine, type CommandLine } from './interpreter';

/** One interpreter and the modules the trace needs from it. */
export interface ModuleCheck {
  interpreter: string;
  modules: string[];
}

export interface InstallPlan {
  /** The prompt's text, which names every command it would run. */
  message: string;
  commands: CommandLine[];
}

/** The checks to run: ipykernel where the kernel runs, jupyter_client where the server runs. */
export function kernelChecks(traceInterpreter: string, serverInterpreter: string): ModuleCheck[] {
  if (traceInterpreter === serverInterpreter) {
    return [{ interpreter: traceInterpreter, modules: ['ipykernel', 'jupyter_client'] }];
  }
  return [
    { interpreter: traceInterpreter, modules: ['ipykernel'] },
    { interpreter: serverInterpreter, modules: ['jupyter_client'] },
  ];
}

/** What to install for the modules found missing (keyed by interpreter); undefined: nothing. */
export function installPlan(missing: Map<string, string[]>, traceInterpreter: string): InstallPlan | undefined {
  const commands: CommandLine[] = [];
  const needs: string[] = [];
  for (const [interpreter, modules] of missing) {
    if (modules.length === 0) continue;
    // ipykernel brings jupyter_client with it; a server-only interpreter needs just the client.
    const distribution = interpreter === traceInterpreter ? 'ipykernel' : 'jupyter-client';
    commands.push({ command: interpreter, args: ['-m', 'pip', 'install', distribution] });
    needs.push(`${distribution} in ${interpreter}`);
  }
  if (commands.length === 0) return undefined;
  const run = commands.map(displayCommandLine).join(' and ');
  return {
    message: `layerlint: tracing shapes runs your model in a Jupyter kernel, which needs `
      + `${needs.join(' and ')}. Install it? This runs: ${run}`,
    commands,
  };
}
