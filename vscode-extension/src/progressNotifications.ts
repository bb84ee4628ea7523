/**
 * Server-initiated work-done progress shown as a notification with a Cancel button.
 *
 * vscode-languageclient shows every `window/workDoneProgress/create` token in the status bar,
 * where VS Code offers no Cancel button. A trace can take a while (TensorFlow's import alone
 * takes seconds), so a cancellable progress gets a notification instead, and pressing Cancel
 * sends `window/workDoneProgress/cancel`. Registered as a client feature: features initialize
 * in order, after the built-in progress feature, so this handler replaces it at every
 * (re)start of the server.
 */
import * as vscode from 'vscode';
import {
  WorkDoneProgress,
  WorkDoneProgressCancelNotification,
  WorkDoneProgressCreateRequest,
  type BaseLanguageClient,
  type FeatureState,
  type ProgressToken,
  type StaticFeature,
  type WorkDoneProgressBegin,
} from 'vscode-languageclient/node';

export function notificationProgressFeature(client: BaseLanguageClient): StaticFeature {
  const active = new Set<() => void>();
  return {
    fillClientCapabilities: (capabilities) => {
      capabilities.window = { ...capabilities.window, workDoneProgress: true };
    },
    initialize: () => {
      client.onRequest(WorkDoneProgressCreateRequest.type, ({ token }) => {
        const finish = followProgress(client, token, () => active.delete(finish));
        active.add(finish);
      });
    },
    getState: (): FeatureState => ({ kind: 'static' }),
    clear: () => {
      active.forEach((finish) => finish());
      active.clear();
    },
  };
}

/** Shows one token's progress until it ends; returns a function that ends it early. */
function followProgress(
  client: BaseLanguageClient, token: ProgressToken, onDone: () => void,
): () => void {
  let finish: () => void = () => undefined;
  const ended = new Promise<void>((resolve) => { finish = resolve; });
  let report: ((value: { message?: string; increment?: number }) => void) | undefined;
  let reported = 0;
  const update = (message?: string, percentage?: number): void => {
    const increment = percentage === undefined ? undefined : Math.max(0, percentage - reported);
    if (percentage !== undefined) reported = Math.max(reported, percentage);
    report?.({ message, increment });
  };
  const subscription = client.onProgress(WorkDoneProgress.type, token, (value) => {
    if (value.kind === 'begin') show(value);
    else if (value.kind === 'report') update(value.message, value.percentage);
    else finish();
  });
  const show = (begin: WorkDoneProgressBegin): void => {
    const location = begin.cancellable
      ? vscode.ProgressLocation.Notification
      : vscode.ProgressLocation.Window;
    void vscode.window.withProgress(
      { location, title: begin.title, cancellable: begin.cancellable },
      (progress, cancellation) => {
        report = (value) => progress.report(value);
        cancellation.onCancellationRequested(() => {
          void client.sendNotification(WorkDoneProgressCancelNotification.type, { token });
        });
        update(begin.message, begin.percentage);
        return ended;
      },
    );
  };
  void ended.then(() => {
    subscription.dispose();
    onDone();
  });
  return finish;
}
