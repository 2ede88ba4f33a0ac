import { html } from '../html.js';
import type { Page } from './context.js';

export function loginPage(problem: string | undefined): Page {
  return {
    title: 'Log in',
    main: html`<h1>Log in to the slipway dashboard</h1>
${problem ? html`<p class="problem" role="alert">${problem}</p>` : ''}
<form method="post" action="/login" class="login">
<label for="token">Dashboard token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required>
<button type="submit">Log in</button>
</form>
<p class="hint">Create or rotate the token on the host with <code>slipway dashboard token</code>; it is shown once.</p>`,
  };
}
