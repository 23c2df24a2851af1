import { token } from './api.js';
import { h, show } from './dom.js';

/** Asks for the API's bearer token (the factory's own tokens, `factory serve`), kept for this tab only. */
export function signIn(main: HTMLElement, message: string, done: () => void): void {
  const field = h('input', { id: 'token', type: 'password', autocomplete: 'off', required: true });
  show(
    main,
    h('h1', {}, 'Sign in'),
    h('p', {}, message),
    h(
      'form',
      {
        onsubmit: (event: Event) => {
          event.preventDefault();
          token.set(field.value.trim());
          done();
        },
      },
      h('p', {}, h('label', { for: 'token' }, 'API token '), field),
      h('button', { type: 'submit' }, 'Sign in'),
    ),
  );
}
