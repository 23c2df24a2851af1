import { token } from './api.js';
import { h, show } from './dom.js';

/** Asks for the API's bearer token (the factory's own tokens, `factory serve`), kept for this tab only. */
export function signIn(main: HTMLElement, message: string, done: () => void): void {
  const field = h('input', { id: 'token', type: 'password', autocomplete: 'off', required: true });
  const problem = h('p', { role: 'alert', class: 'errors' });
  show(
    main,
    h('h1', {}, 'Sign in'),
    h('p', {}, message),
    h(
      'form',
      {
        onsubmit: (event: Event) => {
          event.preventDefault();
          const value = field.value.trim();
          // A bearer token is printable ASCII; anything else (a paste of something else) could not even be sent.
          if (!/^[\x21-\x7e]+$/.test(value)) {
            problem.textContent = 'An API token is one word of printable ASCII characters.';
            return;
          }
          token.set(value);
          done();
        },
      },
      h('p', {}, h('label', { for: 'token' }, 'API token '), field),
      problem,
      h('button', { type: 'submit' }, 'Sign in'),
    ),
  );
}
