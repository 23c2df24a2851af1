import { analyseVision } from '../../../agents/blueprint/vision/analyse';
import { parseVisionDocument } from '../../../agents/blueprint/vision/markdown';
import { correctionLexicon, parseSentence, splitSentences } from '../../../agents/blueprint/vision/parse';
import { pastTense } from '../../../toolchain/vision/language';
import type { VisionEntity } from '../../../toolchain/schemas/vision';

/** The clauses of one sentence as `subject verb object|object`. */
function clausesOf(sentence: string): string[] {
  return parseSentence(sentence, correctionLexicon(sentence)).flatMap((p) =>
    p.clauses.map(
      (c) => `${c.subject?.phrase ?? '?'} ${c.verb.verb} ${c.objects.map((o) => o.phrase).join('|')}`,
    ),
  );
}

function entitiesOf(text: string): Map<string, VisionEntity> {
  return new Map(analyseVision(text).domain.entities.map((e) => [e.name, e]));
}

const attributeNames = (e: VisionEntity | undefined) => e?.attributes.map((a) => a.name) ?? [];

describe('reading prose visions', () => {
  describe('verbs compromise reads as nouns', () => {
    it('reads a known verb after a plural subject as the verb ("librarians catalogue books")', () => {
      expect(clausesOf('Librarians catalogue books and journals.')).toEqual([
        'librarians catalogue books|journals',
      ]);
    });

    it('reads an -s form after a singular subject as the verb ("the committee allocates plots")', () => {
      expect(clausesOf('The committee allocates plots in March.')[0]).toBe('committee allocate plots');
    });

    it('reads a known verb after "and" as the verb ("… and transfer copies between branches")', () => {
      expect(clausesOf('Managers check the stock and transfer copies between branches.')).toContain(
        'managers transfer copies',
      );
    });

    it('finds the subject behind a prepositional phrase ("every copy of a book carries …")', () => {
      expect(clausesOf('Every copy of a book carries a barcode.')).toEqual(['copy carry barcode']);
    });
  });

  describe('nominalised actions', () => {
    const entities = entitiesOf(
      'Chordly is the lending system of a small music school. Students borrow instruments, and teachers ' +
        'reserve rooms for their lessons. Each lesson is recorded with a date, a duration and a fee.',
    );

    it('makes a record of an action whose occurrence has a name, referring to who acts and what on', () => {
      expect(entities.get('Loan')?.references).toEqual(expect.arrayContaining(['Instrument', 'Student']));
      expect(entities.get('Reservation')?.references).toEqual(expect.arrayContaining(['Room', 'Teacher']));
    });

    it('makes no second record when the thing acted on already names an occurrence ("book a visit")', () => {
      const names = [...entitiesOf('Tenants report leaks. Contractors book a visit with the tenant.').keys()];
      expect(names).toContain('Visit');
      expect(names).not.toContain('Booking');
    });
  });

  describe('attributes and relations', () => {
    it('reads the complements of a passive as facts about its subject ("is recorded with a date …")', () => {
      const lesson = entitiesOf(
        'Chordly is the lending system of a small music school. Students borrow instruments, and teachers ' +
          'reserve rooms for their lessons. Each lesson is recorded with a date, a duration and a fee.',
      ).get('Lesson');
      expect(attributeNames(lesson)).toEqual(expect.arrayContaining(['date', 'duration', 'fee']));
    });

    it('reads "X\'s Y" and "Y of X" with a field word as attributes of X', () => {
      const entities = entitiesOf(
        "Roomly lets staff book meeting rooms. Staff book rooms for a time slot. The room's capacity " +
          'limits a booking, and the floor number of the room is shown on every booking.',
      );
      expect(attributeNames(entities.get('Room'))).toEqual(
        expect.arrayContaining(['capacity', 'floorNumber']),
      );
    });

    it('relates two things in "copies of a book" and in a passive\'s complements', () => {
      const entities = entitiesOf(
        'Shelfy is the catalogue of a book club. Members lend copies of a book to each other. Each copy ' +
          'carries a barcode, and every book has a title. Damage reports are filed against a copy.',
      );
      expect(entities.get('Copy')?.references).toContain('Book');
      expect(entities.get('DamageReport')?.references).toContain('Copy');
    });

    it('records what the system keeps track of', () => {
      const names = [
        ...entitiesOf(
          'Plotline runs a community garden. Gardeners rent plots, and the committee keeps track of work days.',
        ).keys(),
      ];
      expect(names).toContain('WorkDay');
    });
  });

  describe('a science fair in prose', () => {
    const entities = entitiesOf(
      'Kudos runs a school science fair. Each student registers one poster, and every poster belongs to a ' +
        'category. Every category has a name. Judges score posters on clarity and originality. A poster ' +
        'that is marked late cannot win. The organiser can send a student a reminder, and after two ' +
        'reminders the poster is cancelled.',
    );

    it('reads "X belongs to a Y" as a relation', () => {
      expect(entities.get('Poster')?.references).toContain('Category');
    });

    it('gives an occurrence the criteria it is done on ("score posters on clarity and originality")', () => {
      expect(entities.get('Score')?.references).toContain('Poster');
      expect(attributeNames(entities.get('Score'))).toEqual(
        expect.arrayContaining(['clarity', 'originality']),
      );
    });

    it('reads "marked late" as a yes/no attribute and the second object of "send a student a reminder"', () => {
      expect(entities.get('Poster')?.attributes.find((a) => a.name === 'late')?.type).toBe('boolean');
      expect([...entities.keys()]).toContain('Reminder');
    });

    it('keeps when a passive action happened ("the poster is cancelled")', () => {
      expect(entities.get('Poster')?.attributes.find((a) => a.name === 'cancelledAt')?.type).toBe('datetime');
    });
  });

  describe('things a reader counts, names and implies', () => {
    it('keeps a place the text counts out, though named once ("one of our five pickup points")', () => {
      const entities = entitiesOf(
        'Cyclo rents bikes to members. Members rent a bike for a ride, and every bike is parked at one of ' +
          'our five pickup points when it is returned.',
      );
      expect(entities.get('Bike')?.references).toContain('PickupPoint');
    });

    it('does not take the name of one place for a kind of record ("the Northgate Leisure Centre")', () => {
      const entities = entitiesOf(
        'Courtly books tennis courts. Members book a court for a time slot at the Northgate Leisure Centre.',
      );
      expect([...entities.keys()]).toEqual(expect.arrayContaining(['Booking', 'Court']));
      expect([...entities.keys()].some((n) => n.includes('Northgate'))).toBe(false);
    });

    it('reads a time slot as a start and an end, and gives an invoice an amount', () => {
      const entities = entitiesOf(
        'Courtly books tennis courts. Members book a court for a time slot. The club sends members an ' +
          'invoice each month, and members pay their invoices online.',
      );
      expect(attributeNames(entities.get('Booking'))).toEqual(
        expect.arrayContaining(['startTime', 'endTime']),
      );
      expect(attributeNames(entities.get('Booking'))).not.toContain('timeSlot');
      expect(entities.get('Invoice')?.attributes.find((a) => a.name === 'amount')?.type).toBe('money');
    });

    it('keeps an attendance when people are signed in, tied to what they come to', () => {
      const entities = entitiesOf(
        'Shoreline organises beach cleanups. Helpers come to the beach cleanups, and the organiser signs ' +
          'them in on the day. Each cleanup has a date.',
      );
      expect(entities.get('Attendance')?.references).toContain('BeachCleanup');
    });

    it('gives joined modifiers of an owned field one attribute each ("opening and closing times")', () => {
      const entities = entitiesOf(
        "Festa sells tickets. Visitors buy one or more tickets for a festival, with the festival's opening " +
          'and closing times.',
      );
      expect(attributeNames(entities.get('Festival'))).toEqual(
        expect.arrayContaining(['openingTime', 'closingTime']),
      );
    });
  });

  describe('names of the same thing and of fields', () => {
    it('reads "date of birth" as one field of what it belongs to, not a record of births', () => {
      const entities = entitiesOf(
        'Kennelz keeps dog records. Owners register their dogs with the kennel, giving the date of birth of ' +
          'each dog. Each dog has a name and a breed.',
      );
      expect(attributeNames(entities.get('Dog'))).toContain('dateOfBirth');
      expect(entities.has('Birth')).toBe(false);
    });

    it('reads a compound written as one word and its head as one thing ("artworks" and "works")', () => {
      const entities = entitiesOf(
        'Framewise lends artworks to galleries. Each artwork has a title and an artist. Galleries borrow ' +
          'works for a month, and every work is insured.',
      );
      expect(entities.has('Artwork') && entities.has('Work')).toBe(false);
      expect(attributeNames(entities.get('Work') ?? entities.get('Artwork'))).toEqual(
        expect.arrayContaining(['title', 'artist', 'insuredAt']),
      );
    });
  });

  it('gives a thing described by a participle what it comes with ("the boxes received, with a weight")', () => {
    const entities = entitiesOf(
      'Stockly tracks a warehouse. Each delivery is logged with the supplier and the boxes received, with a ' +
        'weight and a shelf code for each box. Pickers move boxes between shelves.',
    );
    expect(attributeNames(entities.get('Box'))).toEqual(expect.arrayContaining(['weight', 'shelfCode']));
  });

  it('relates what is sent to what its complements name ("send a hire request for one or more kits")', () => {
    const entities = entitiesOf(
      'Hireling rents out camera kits. Each kit has a serial number. Schools send a hire request for one or ' +
        'more kits, and the store manager approves each request.',
    );
    expect(entities.get('HireRequest')?.references).toContain('Kit');
  });

  it('gives a thing the fields its state is told by ("a lease runs for 12 months from its start date")', () => {
    const entities = entitiesOf(
      'Leasly manages flat leases. Tenants sign leases for flats. Each lease runs for 12 months from its ' +
        'start date.',
    );
    expect(entities.get('Lease')?.attributes.find((a) => a.name === 'startDate')?.type).toBe('date');
  });

  describe('sentences and participles', () => {
    it('ends a sentence after a word compromise takes for an abbreviation ("a second vet. Vaccinations …")', () => {
      expect(splitSentences('It must be signed by a second vet. Vaccinations are recorded.')).toEqual([
        'It must be signed by a second vet.',
        'Vaccinations are recorded.',
      ]);
      expect(splitSentences('It costs approx. Ten euros.')).toHaveLength(1);
    });

    it('reads a bare participle after "and" as passive with the same subject ("packed … and delivered")', () => {
      const [, second] = parseSentence(
        'Boxes are packed on Monday and delivered on Tuesday.',
        correctionLexicon(''),
      )[0].clauses;
      expect(second.verb).toMatchObject({ verb: 'deliver', passive: true });
      expect(second.subject?.phrase).toBe('boxes');
    });

    it('reads an irregular participle after a copula as passive ("the licence is withdrawn")', () => {
      const [clause] = parseSentence('The licence is withdrawn when it expires.', correctionLexicon(''))[0]
        .clauses;
      expect(clause.verb).toMatchObject({ verb: 'withdraw', passive: true });
    });

    it('names states and timestamps with the participle of an irregular verb', () => {
      expect(pastTense('draw up')).toBe('drawn up');
      expect(pastTense('withdraw')).toBe('withdrawn');
      expect(pastTense('reserve')).toBe('reserved');
    });
  });

  it('gives each entity the sentence that names it', () => {
    const entities = entitiesOf(
      'Chordly is the lending system of a small music school. Students borrow instruments, and teachers ' +
        'reserve rooms for their lessons. Each lesson is recorded with a date, a duration and a fee.',
    );
    expect(entities.get('Instrument')?.evidence).toBe(
      'Students borrow instruments, and teachers reserve rooms for their lessons.',
    );
  });

  it('takes the product name from the opening sentence when there is no title heading', () => {
    expect(parseVisionDocument('FixFlow: repair requests for six blocks.').title).toBe('FixFlow');
    expect(parseVisionDocument('ParkPass issues parking permits.').title).toBe('ParkPass');
    expect(parseVisionDocument('we want an app for our garden.').title).toBe('Untitled Product');
  });
});
