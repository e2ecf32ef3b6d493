// The overview: one card per metric, grouped as the seed groups them, and the rate cards.
// Cards are built once and their text updated in place, so a refresh does not flicker.
import { GROUPS, METRIC_INFO, RATES, type MetricId, type RateInfo } from './catalog';
import { h, setAttr, setText } from './dom';
import { countChange, formatCount, formatRate, rateChange, rateOf, type Change } from './format';

export type Counts = Partial<Record<MetricId, number>>;

interface CardParts {
  value: HTMLElement;
  previous: HTMLElement;
  change: HTMLElement;
  changeSpoken: HTMLElement;
}

function definitionTerm(id: string, label: string, definition: string): HTMLElement[] {
  const defId = `def-${id}`;
  // Focusable so the definition shows to keyboard users too; Escape hides it (WCAG 1.4.13).
  const term = h('span', { class: 'term', tabindex: '0', 'aria-describedby': defId }, label);
  const tip = h('span', { class: 'definition', role: 'tooltip', id: defId }, definition);
  return [term, tip];
}

function cardBody(): { parts: CardParts; nodes: HTMLElement[] } {
  const value = h('p', { class: 'value', 'data-field': 'value' });
  const previous = h('span', { 'data-field': 'previous' });
  const change = h('span', { class: 'change', 'data-field': 'change', 'aria-hidden': 'true' });
  const changeSpoken = h('span', { class: 'visually-hidden' });
  const compare = h('p', { class: 'compare' }, change, changeSpoken, h('span', { class: 'previous' }, 'previous ', previous));
  return { parts: { value, previous, change, changeSpoken }, nodes: [value, compare] };
}

function showChange(parts: CardParts, c: Change): void {
  setText(parts.change, c.text);
  setAttr(parts.change, 'data-trend', c.trend);
  setText(parts.changeSpoken, c.spoken);
}

export interface Overview {
  update(current: Counts, previous: Counts): void;
}

export function buildOverview(ratesHost: HTMLElement, groupsHost: HTMLElement): Overview {
  const metricCards = new Map<MetricId, CardParts>();
  const rateCards = new Map<string, { rate: RateInfo; parts: CardParts }>();

  for (const rate of RATES) {
    const { parts, nodes } = cardBody();
    const formula = h('p', { class: 'formula' }, h('span', { class: 'badge' }, 'derived'), ' ', h('code', {}, `${rate.numerator} ÷ ${rate.denominator}`));
    const card = h(
      'li',
      { class: 'card rate', 'data-rate': rate.id },
      h('h3', { class: 'card-title' }, ...definitionTerm(rate.id, rate.label, `${METRIC_INFO[rate.numerator].label} divided by ${METRIC_INFO[rate.denominator].label}. Derived on this page from the seed's counts; "–" when there is nothing to divide by. Changes are in percentage points (pp).`)),
      ...nodes,
      formula,
    );
    ratesHost.append(card);
    rateCards.set(rate.id, { rate, parts });
  }

  for (const group of GROUPS) {
    const sections = group.sections.map((section) => {
      const list = h('ul', { class: 'cards' });
      for (const id of section.metrics) {
        const info = METRIC_INFO[id];
        const { parts, nodes } = cardBody();
        list.append(h('li', { class: 'card', 'data-metric': id }, h('h5', { class: 'card-title' }, ...definitionTerm(id, info.label, info.definition)), ...nodes));
        metricCards.set(id, parts);
      }
      return h('section', { class: 'metric-section' }, h('h4', {}, section.title), list);
    });
    groupsHost.append(h('section', { class: 'metric-group' }, h('h3', { class: 'group-title' }, group.title), ...sections));
  }

  return {
    update(current, previous) {
      for (const [id, parts] of metricCards) {
        const now = current[id] ?? 0;
        const before = previous[id] ?? 0;
        setText(parts.value, formatCount(now));
        setText(parts.previous, formatCount(before));
        showChange(parts, countChange(now, before));
      }
      for (const { rate, parts } of rateCards.values()) {
        const now = rateOf(current[rate.numerator] ?? 0, current[rate.denominator] ?? 0);
        const before = rateOf(previous[rate.numerator] ?? 0, previous[rate.denominator] ?? 0);
        setText(parts.value, formatRate(now));
        setText(parts.previous, formatRate(before));
        showChange(parts, rateChange(now, before));
      }
    },
  };
}
