import { yamlString } from '../../../toolchain/escaping/yamlString';
import { hostileStrings } from './hostileStrings';

/** Vision text that carries the hostile corpus in its title, descriptions and rules. */
export const hostileTitle =
  'Lend */ globalThis.__pwned = 1; /* <svg onload=alert(1)> **// ${globalThis.__pwned} </script>';
export const hostile = (i: number) => hostileStrings[i % hostileStrings.length];

/** A vision whose front matter and rules carry the corpus; YAML-quoted so the vision itself parses. */
export const hostileVisionText = `---
title: ${yamlString(hostileTitle)}
actors:
  Member: ${yamlString(`A neighbour ${hostile(0)}`)}
entities:
  Tool:
    attributes:
      name:
        type: string
        required: true
        description: ${yamlString(`Name ${hostile(1)}`)}
      category:
        type: string
        description: ${yamlString(`Category ${hostile(11)}`)}
      notes:
        type: text
        description: ${yamlString(`Notes ${hostile(14)} ${hostile(15)}`)}
  Reservation:
    attributes:
      pickupDate: date
      toolId: string
---
# Lending

## Opportunity

Members list tools. Members reserve tools for a pickup date. The owner approves the reservation.

## Rules

- A tool cannot be reserved while it is on loan \${globalThis.__pwned = 2} </script><svg onload=alert(2)> '; DROP TABLE x; --.
- A member may borrow at most 3 tools at the same time.
`;
