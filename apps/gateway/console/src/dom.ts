type AttrValue = string | number | boolean | null | undefined;
type Child = Node | string | null | undefined | false;

/**
 * Builds an element. Text is always set as text, never parsed as HTML, so values from the feed
 * or the farm cannot inject markup (the page has no `innerHTML` anywhere).
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, AttrValue> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) {
    if (child !== null && child !== undefined && child !== false) element.append(child);
  }
  return element;
}

/** The element with this id, checked to be of the expected kind. */
export function byId<T extends HTMLElement>(id: string, type: new (...args: never[]) => T): T {
  const element = document.getElementById(id);
  if (!(element instanceof type)) throw new Error(`#${id} is missing or not a ${type.name}`);
  return element;
}

/**
 * Marks a control unavailable with `aria-disabled`, not `disabled`: it stays focusable, so a
 * keyboard or screen-reader user can still reach it and read why (`aria-describedby`).
 */
export function setUnavailable(
  control: HTMLElement,
  unavailable: boolean,
  reasonId?: string,
): void {
  control.setAttribute('aria-disabled', String(unavailable));
  if (unavailable && reasonId) control.setAttribute('aria-describedby', reasonId);
  else control.removeAttribute('aria-describedby');
}

export function isUnavailable(control: HTMLElement): boolean {
  return control.getAttribute('aria-disabled') === 'true';
}
