/**
 * DOM helpers shared by the generated web and mobile apps: element creation, typed form readers (each one
 * returns the exact type the API client expects, so a form that does not match the contract fails to
 * type-check), field rendering and problem+json display.
 */
export const uiModule = `import { ApiError } from './api/http.js';

type Child = Node | string | null | undefined | false;

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Record<string, string> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  for (const child of children) if (child) element.append(child);
  return element;
}

export function clear(root: HTMLElement, ...children: Child[]): void {
  root.replaceChildren(...children.filter((child): child is Node | string => Boolean(child)));
}

export function display(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return String(value);
}

export function label(name: string): string {
  const words = name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1).toLowerCase();
}

export interface FieldSpec {
  name: string;
  required: boolean;
  input: 'text' | 'textarea' | 'number' | 'money' | 'checkbox' | 'date' | 'datetime-local' | 'email' | 'select' | 'json';
  options?: readonly string[];
  /** An HTML pattern the value must match (money amounts). */
  pattern?: string;
  min?: number;
  max?: number;
  step?: string;
  maxLength?: number;
}

export function renderFields(fields: readonly FieldSpec[]): HTMLElement[] {
  return fields.map((field) => {
    const id = \`field-\${field.name}\`;
    let control: HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement;
    if (field.input === 'textarea' || field.input === 'json') {
      control = el('textarea', { id, name: field.name, rows: '3' });
    } else if (field.input === 'select') {
      control = el('select', { id, name: field.name }, field.required ? null : el('option', { value: '' }, '—'), ...(field.options ?? []).map((option) => el('option', { value: option }, label(option))));
    } else if (field.input === 'money') {
      // A decimal string in the API: a text input keeps the typed digits exactly, the keyboard is numeric.
      control = el('input', { id, name: field.name, type: 'text', inputmode: 'decimal', placeholder: '19.99' });
      if (field.pattern) control.setAttribute('pattern', field.pattern);
    } else {
      control = el('input', { id, name: field.name, type: field.input });
      if (field.min !== undefined) control.setAttribute('min', String(field.min));
      if (field.max !== undefined) control.setAttribute('max', String(field.max));
      if (field.step) control.setAttribute('step', field.step);
    }
    if (field.maxLength !== undefined) control.setAttribute('maxlength', String(field.maxLength));
    if (field.required && field.input !== 'checkbox') control.required = true;
    return el('div', { class: \`field field-\${field.input}\` }, el('label', { for: id }, label(field.name), field.required ? ' *' : ''), control, el('small', { class: 'field-error', 'data-field': field.name }));
  });
}

function raw(form: HTMLFormElement, name: string): string {
  const value = new FormData(form).get(name);
  return typeof value === 'string' ? value.trim() : '';
}

export function readText(form: HTMLFormElement, name: string): string {
  return raw(form, name);
}

export function readOptionalText(form: HTMLFormElement, name: string): string | undefined {
  return raw(form, name) || undefined;
}

export function readNumber(form: HTMLFormElement, name: string): number {
  return Number(raw(form, name));
}

export function readOptionalNumber(form: HTMLFormElement, name: string): number | undefined {
  const value = raw(form, name);
  return value === '' ? undefined : Number(value);
}

/** An amount as the API wants it: the typed decimal with exactly two decimals ("19.9" -> "19.90"), never a float. */
export function readMoney(form: HTMLFormElement, name: string): string {
  const value = raw(form, name).replace(',', '.');
  const match = /^(-?\\d+)(?:\\.(\\d{0,2}))?$/.exec(value);
  return match ? match[1] + '.' + (match[2] ?? '').padEnd(2, '0') : value;
}

export function readOptionalMoney(form: HTMLFormElement, name: string): string | undefined {
  return raw(form, name) === '' ? undefined : readMoney(form, name);
}

export function readBoolean(form: HTMLFormElement, name: string): boolean {
  return new FormData(form).has(name);
}

/** \`datetime-local\` inputs carry no zone; the API wants an RFC 3339 instant. */
export function readDateTime(form: HTMLFormElement, name: string): string {
  const value = raw(form, name);
  return value ? new Date(value).toISOString() : '';
}

export function readOptionalDateTime(form: HTMLFormElement, name: string): string | undefined {
  return readDateTime(form, name) || undefined;
}

export function readChoice<T extends string>(form: HTMLFormElement, name: string, allowed: readonly T[]): T {
  const value = raw(form, name);
  const found = allowed.find((option) => option === value);
  if (found === undefined) throw new Error(\`\${label(name)}: choose one of \${allowed.join(', ')}\`);
  return found;
}

export function readOptionalChoice<T extends string>(form: HTMLFormElement, name: string, allowed: readonly T[]): T | undefined {
  return raw(form, name) === '' ? undefined : readChoice(form, name, allowed);
}

export function readJson<T>(form: HTMLFormElement, name: string): T {
  return JSON.parse(raw(form, name) || 'null') as T;
}

/** Shows an error next to the form; field errors of a 400 answer go next to their inputs. */
export function showProblem(form: HTMLElement, error: unknown): void {
  for (const slot of Array.from(form.querySelectorAll<HTMLElement>('.field-error'))) slot.textContent = '';
  const banner = form.querySelector<HTMLElement>('.problem') ?? form.appendChild(el('p', { class: 'problem', role: 'alert' }));
  if (error instanceof ApiError) {
    banner.textContent = error.message;
    for (const fieldError of error.problem.errors ?? []) {
      const slot = form.querySelector<HTMLElement>(\`.field-error[data-field="\${fieldError.field}"]\`);
      if (slot) slot.textContent = fieldError.message;
    }
  } else {
    banner.textContent = error instanceof Error ? error.message : String(error);
  }
}

export function navigate(hash: string): void {
  window.location.hash = hash;
}
`;
