// Sign-in. The demo city ships with one account per role so that anyone
// trying the platform can walk a case through its whole life.

import { request, setCsrf, ApiError } from '../api.js';
import { h, field, errorBox } from '../dom.js';
import { t } from '../i18n.js';

const DEMO_USERS = ['resident1', 'gridworker', 'dispatcher', 'community',
  'supervisor', 'admin'];
const DEMO_PASSWORD = 'civicgrid-demo';

export function render(main, ctx) {
  const username = h('input', { name: 'username', autocomplete: 'username', required: true,
    autocapitalize: 'none', spellcheck: 'false' });
  const password = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const err = errorBox();
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block' }, t('signin.submit'));

  const form = h('form', { class: 'card signin-card', novalidate: true },
    h('h1', null, t('signin.title')),
    h('p', { class: 'lead' }, t('signin.lead')),
    field(t('signin.username'), username),
    field(t('signin.password'), password),
    err,
    submit);

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.show('');
    if (!username.value.trim() || !password.value) {
      (username.value.trim() ? password : username).focus();
      return;
    }
    submit.disabled = true;
    submit.textContent = t('signin.busy');
    try {
      // A crowd signing in at once is asked to come back in a second: the
      // page does so by itself a few times before it says anything.
      let ans;
      for (let tries = 0; ; tries += 1) {
        try {
          ans = await request('/api/v1/session', {
            method: 'POST', json: { username: username.value.trim(), password: password.value },
          });
          break;
        } catch (e) {
          if (!(e instanceof ApiError) || e.code !== 'too_many_signins' || tries >= 8) throw e;
          submit.textContent = t('signin.queued');
          await new Promise((ok) => setTimeout(ok, 600 + Math.random() * 800));
        }
      }
      setCsrf(ans.csrf);
      ctx.signedIn(ans);
      const next = ctx.query.get('next');
      ctx.go(next && next.startsWith('#/') && !next.startsWith('#/signin') ? next
        : ans.user.role === 'resident' ? '#/mine' : '#/queue');
    } catch (e) {
      err.show(e.message);
      submit.disabled = false;
      submit.textContent = t('signin.submit');
      password.select();
    }
  });

  const chips = h('div', { class: 'chips' });
  for (const u of DEMO_USERS) {
    chips.append(h('button', {
      type: 'button', class: 'chip', 'aria-label': t('signin.demo.fill', { user: u }),
      onclick: () => { username.value = u; password.value = DEMO_PASSWORD; password.focus(); },
    }, u));
  }
  const demo = h('aside', { class: 'demo-hint', 'aria-label': t('signin.demo', { password: DEMO_PASSWORD }) },
    h('p', null, t('signin.demo', { password: DEMO_PASSWORD })), chips);

  main.append(h('div', { class: 'signin-wrap' },
    h('section', { class: 'signin-hero', 'aria-hidden': 'true' },
      h('div', { class: 'hero-steps' },
        ...['nav.report', 'action.dispatch', 'action.handle', 'action.close', 'action.rate']
          .map((k, i) => h('span', { class: 'hero-step' }, h('b', null, String(i + 1)), t(k))))),
    form, demo));
  if (ctx.session.user) ctx.go('#/');
  else username.focus();
}
