import type { SlipwayEvent } from '../../api/event-schemas.js';

/** One line per event: time, kind, who, what. */
export function renderEvent(e: SlipwayEvent): string {
  const at = e.at.slice(11, 23);
  switch (e.kind) {
    case 'deploy': {
      const what = e.outcome ? `ended ${e.outcome}${e.message ? `: ${e.message}` : ''}` : e.step ? `${e.step} ${e.phase ?? ''}${e.ms !== undefined ? ` ${e.ms}ms` : ''}${e.message ? `  ${e.message}` : ''}` : (e.message ?? '');
      return `${at} deploy    ${e.service} ${e.deploymentId} ${what}`;
    }
    case 'instance':
      return `${at} instance  ${e.service} ${e.instance} (${e.release}) → ${e.state}${e.detail ? `: ${e.detail}` : ''}`;
    case 'proxy':
      return `${at} proxy     ${e.what}${e.detail ? ` ${e.detail}` : ''}`;
    case 'certificate':
      return `${at} cert      ${e.host} ${e.what}${e.detail ? `: ${e.detail}` : ''}`;
    case 'backup':
      return `${at} backup    ${e.source} ${e.what}${e.detail ? `: ${e.detail}` : ''}`;
    case 'alert':
      return `${at} alert     ${e.rule}${e.service ? ` (${e.service})` : ''} ${e.state}${e.detail ? `: ${e.detail}` : ''}`;
  }
}
