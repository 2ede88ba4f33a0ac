/**
 * The body of a Slack-compatible incoming webhook: `text` (the plain rendering, shown in
 * notifications and by receivers that ignore blocks) and Block Kit `blocks` (a header, one
 * section per alert, a context line for what did not fit). Slack's limits are kept: 50 blocks,
 * 150 characters in a header, 3000 in a section.
 */
import { notificationText, type AlertView, type Notification } from './notification.js';

export interface SlackBlock {
  readonly type: 'header' | 'section' | 'context';
  readonly text?: { readonly type: 'plain_text' | 'mrkdwn'; readonly text: string };
  readonly elements?: readonly { readonly type: 'mrkdwn'; readonly text: string }[];
}

export interface SlackPayload {
  readonly text: string;
  readonly blocks: readonly SlackBlock[];
}

/** Blocks left for alerts: 50 minus the header and the "more" context line. */
const MAX_ALERT_BLOCKS = 48;

/** Slack's mrkdwn treats &, < and > as control characters. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function alertSection(a: AlertView): SlackBlock {
  const head = `*${a.status === 'resolved' ? 'RESOLVED ' : ''}${escapeMrkdwn(a.rule)}* (${a.severity}) ${escapeMrkdwn(a.service)}`;
  const deployment = a.deployment ? `\ndeployment \`${escapeMrkdwn(a.deployment)}\`` : '';
  const text = `${head}\n${escapeMrkdwn(a.summary)}\n_hint:_ ${escapeMrkdwn(a.hint)}${deployment}`;
  return { type: 'section', text: { type: 'mrkdwn', text: clip(text, 3000) } };
}

export function slackPayload(n: Notification): SlackPayload {
  const title = `[${n.status.toUpperCase()}] ${n.group}${n.test ? ' (test notification)' : ''}`;
  const shown = n.alerts.slice(0, MAX_ALERT_BLOCKS);
  const blocks: SlackBlock[] = [{ type: 'header', text: { type: 'plain_text', text: clip(title, 150) } }, ...shown.map(alertSection)];
  const hidden = n.alerts.length - shown.length;
  if (hidden > 0) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `… and ${hidden} more; run \`slipway alerts list\`` }] });
  return { text: notificationText(n), blocks };
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
