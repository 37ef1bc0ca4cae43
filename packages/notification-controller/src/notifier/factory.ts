// The provider table: `spec.type` → the constructor of its notifier. Adding a provider is one file and one
// row here. Types of Flux's enum without a row are refused with a message saying so.

import type { ProviderType } from "@sluice/api";
import { alertmanagerNotifier } from "./alertmanager.js";
import { azureDevOpsNotifier } from "./azuredevops.js";
import { bitbucketNotifier } from "./bitbucket.js";
import { discordNotifier } from "./discord.js";
import { genericHmacNotifier, genericNotifier } from "./generic.js";
import { giteaNotifier } from "./gitea.js";
import { gitHubNotifier } from "./github.js";
import { gitHubDispatchNotifier } from "./githubdispatch.js";
import { gitLabNotifier } from "./gitlab.js";
import { googleChatNotifier } from "./googlechat.js";
import { grafanaNotifier } from "./grafana.js";
import { matrixNotifier } from "./matrix.js";
import { msteamsNotifier } from "./msteams.js";
import { type Notifier, type NotifierConstructor, NotifierError, type NotifierOptions } from "./notifier.js";
import { pagerDutyNotifier } from "./pagerduty.js";
import { rocketNotifier } from "./rocket.js";
import { sentryNotifier } from "./sentry.js";
import { slackNotifier } from "./slack.js";
import { telegramNotifier } from "./telegram.js";

/** The provider types this build can send to, each with its constructor. */
export const NOTIFIERS: Readonly<Partial<Record<ProviderType, NotifierConstructor>>> = {
  generic: genericNotifier,
  "generic-hmac": genericHmacNotifier,
  slack: slackNotifier,
  discord: discordNotifier,
  rocket: rocketNotifier,
  msteams: msteamsNotifier,
  googlechat: googleChatNotifier,
  telegram: telegramNotifier,
  matrix: matrixNotifier,
  alertmanager: alertmanagerNotifier,
  grafana: grafanaNotifier,
  pagerduty: pagerDutyNotifier,
  sentry: sentryNotifier,
  github: gitHubNotifier,
  githubdispatch: gitHubDispatchNotifier,
  gitlab: gitLabNotifier,
  gitea: giteaNotifier,
  bitbucket: bitbucketNotifier,
  azuredevops: azureDevOpsNotifier,
};

/**
 * Builds the notifier of a provider type with its resolved options. Throws {@link NotifierError}
 * `provider <type> not supported` for a type without a row, or the constructor's own error (invalid
 * address, missing token, …).
 */
export function createNotifier(type: string, options: NotifierOptions): Notifier {
  const construct = NOTIFIERS[type as ProviderType];
  if (!construct) throw new NotifierError(`provider ${type} not supported`);
  return construct(options);
}
