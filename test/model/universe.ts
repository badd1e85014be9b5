/**
 * The small universe the model-based tests draw from: a few emails, display names, group names and
 * passwords, each written as a sender would (case, spaces, composed or decomposed accents) with, by
 * hand, what it normalizes to (or null when the pipeline must refuse it). Written independently of
 * src/domain: nothing here is computed by the code under test.
 */
import { createHash } from 'node:crypto';

/** A text as sent, with the value it must normalize to, or null when it must be refused. */
export interface Entry {
  readonly raw: string;
  readonly value: string | null;
}

/** A group name as sent: its normalized name, and the key under which names must be unique. */
export interface GroupEntry extends Entry {
  /** Case and compatibility forms folded (only for valid names). */
  readonly canon: string | null;
}

/** One universe: its texts all carry a tag, so universes on one stack never meet. */
export interface Universe {
  readonly tag: string;
  readonly emails: readonly Entry[];
  readonly names: readonly Entry[];
  readonly groups: readonly GroupEntry[];
  readonly passwords: readonly Entry[];
}

/** Lowercase sha256 hex of a UTF-8 text: how the public ids are formed. */
export const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** The universe of a tag (lowercase letters and digits, e.g. `u7`). */
export const universe = (tag: string): Universe => {
  const T = tag.toUpperCase();
  const email = (local: string) => `${local}.${tag}@example.com`;
  const group = (raw: string, value: string | null, canon: string | null): GroupEntry => ({
    raw,
    value,
    canon,
  });
  return {
    tag,
    emails: [
      { raw: email('ann'), value: email('ann') },
      { raw: `Ann.${T}@Example.COM`, value: email('ann') },
      { raw: `  ${email('bob')} `, value: email('bob') },
      { raw: email('cy'), value: email('cy') },
      { raw: `cy.${tag}-at-example.com`, value: null },
      { raw: `cy.${tag}@example`, value: null },
    ],
    names: [
      { raw: 'Ann', value: 'Ann' },
      { raw: '  Bob  B ', value: 'Bob  B' },
      { raw: 'Zoe\u0308', value: 'Zo\u00eb' },
      { raw: '   ', value: null },
      { raw: 'A\u202eB', value: null },
      { raw: 'x\ud800', value: null },
    ],
    groups: [
      group(`${tag} Sales`, `${tag} Sales`, `${tag} sales`),
      group(` ${tag} sales  `, `${tag} sales`, `${tag} sales`),
      group(`${T} \uff33ALES`, `${T} \uff33ALES`, `${tag} sales`),
      group(`${tag} Ops`, `${tag} Ops`, `${tag} ops`),
      group(`${tag} Dev`, `${tag} Dev`, `${tag} dev`),
      group(`${tag} Cafe\u0301`, `${tag} Caf\u00e9`, `${tag} caf\u00e9`),
      group(`${tag} Caf\u00e9`, `${tag} Caf\u00e9`, `${tag} caf\u00e9`),
      group(`${tag} Sa\u200bles`, null, null),
      group('\t', null, null),
      group(sha256(`not a group ${tag}`), null, null),
    ],
    passwords: [
      { raw: 'correct horse battery', value: 'correct horse battery' },
      { raw: ' spaced pass ', value: ' spaced pass ' },
      { raw: '', value: null },
      { raw: 'pass\udfff', value: null },
    ],
  };
};

/** True when a text belongs to a universe (its users' emails and its groups' names). */
export const inUniverse = (u: Universe, text: string): boolean =>
  text.includes(`.${u.tag}@`) || text.toLowerCase().startsWith(`${u.tag} `);
