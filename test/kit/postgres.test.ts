import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConflictError } from '../../kit/service/src/domain/errors';
import { RepositoryUnavailableError } from '../../kit/service/src/infrastructure/faultyRepository';
import { PostgresDatabase } from '../../kit/service/src/infrastructure/postgresDatabase';
import { PostgresOutbox } from '../../kit/service/src/infrastructure/postgresOutbox';
import { PostgresRepository } from '../../kit/service/src/infrastructure/postgresRepository';
import type { DomainEventRecord } from '../../kit/service/src/application/ports';
import { applyPendingMigrations } from '../../platform/deployment/migrations';
import { LocalProductDatabases } from '../../platform/deployment/productDatabases';

/**
 * The generated services' PostgreSQL adapter against a real PostgreSQL: the embedded one (PGlite over the wire
 * protocol, as local deployments use it) and, when TEST_POSTGRES_URL names one (CI starts Debian's server), a
 * PostgreSQL server, where SERIALIZABLE conflicts really happen.
 */
interface Booking {
  id: string;
  roomId: string;
  day: string;
  startsAt: string;
  price: string;
  paid: boolean;
  note?: string;
  status: string;
  createdAt: string;
  updatedAt: string;
}

const schema = `
CREATE TABLE bookings (
  id uuid PRIMARY KEY,
  room_id uuid NOT NULL,
  day date NOT NULL,
  starts_at timestamptz NOT NULL,
  price numeric(12,2) NOT NULL,
  paid boolean NOT NULL,
  note text,
  status text NOT NULL DEFAULT 'requested',
  code text UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE outbox (
  seq bigserial PRIMARY KEY, name text NOT NULL, entity_id text NOT NULL,
  occurred_at timestamptz NOT NULL, payload jsonb NOT NULL, sent_at timestamptz
);`;

const mapping = {
  table: 'bookings',
  columns: {
    id: 'id',
    roomId: 'room_id',
    day: 'day',
    startsAt: 'starts_at',
    price: 'price',
    paid: 'paid',
    note: 'note',
    status: 'status',
    createdAt: 'created_at',
    updatedAt: 'updated_at',
  },
};

const room = '5b0f7c1e-3f5a-4f7e-9a61-0c1d2e3f4a5b';
let n = 0;
function booking(overrides: Partial<Booking> = {}): Booking {
  n++;
  const id = `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
  const at = new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString();
  return {
    id,
    roomId: room,
    day: '2026-03-14',
    startsAt: '2026-03-14T09:30:00.000Z',
    price: '12.50',
    paid: false,
    status: 'requested',
    createdAt: at,
    updatedAt: at,
    ...overrides,
  };
}

const base = mkdtempSync(join(tmpdir(), 'kit-postgres-'));
const databases = new LocalProductDatabases({ templates: process.env.FACTORY_DATABASE_TEMPLATES });

const servers: Array<[string, () => Promise<string>]> = [
  ['the embedded PostgreSQL', async () => (await databases.ensure(base, 'kit', 'test/kit')).url],
];
if (process.env.TEST_POSTGRES_URL) {
  const serverUrl = process.env.TEST_POSTGRES_URL;
  servers.push([
    'a PostgreSQL server',
    async () =>
      (await new LocalProductDatabases({ serverUrl }).ensure(base, 'server', `test/${Date.now()}`)).adminUrl,
  ]);
}

afterAll(async () => {
  await databases.stopAll(base);
  rmSync(base, { recursive: true, force: true });
});

describe.each(servers)('service kit: PostgreSQL on %s', (_name, connect) => {
  let db: PostgresDatabase;
  let bookings: PostgresRepository<Booking>;

  beforeAll(async () => {
    const url = await connect();
    await applyPendingMigrations({ connectionString: url }, [{ name: '001_schema.sql', sql: schema }]);
    db = new PostgresDatabase({ connectionString: url });
    bookings = new PostgresRepository<Booking>(db, mapping);
  }, 90_000);

  afterAll(() => db?.close());

  beforeEach(() => db.query('DELETE FROM bookings; DELETE FROM outbox'));

  it('stores an entity and reads it back with the types the API shows', async () => {
    const saved = booking({ note: 'window seat' });
    await bookings.save(saved);
    expect(await bookings.get(saved.id)).toEqual(saved);
    // Updating replaces every field; a field set back to undefined is NULL and left out again.
    const changed = { ...saved, paid: true, price: '99.99', note: undefined, status: 'confirmed' };
    await bookings.save(changed);
    const read = await bookings.get(saved.id);
    expect(read).toEqual({ ...changed, note: undefined });
    expect(read).not.toHaveProperty('note');
    expect(await bookings.get('00000000-0000-4000-8000-999999999999')).toBeUndefined();
  });

  it("gives a field without a value the column's default, as a version that does not set it expects", async () => {
    const unset = booking({ status: undefined as unknown as string });
    await bookings.save(unset);
    expect((await bookings.get(unset.id))?.status).toBe('requested');
  });

  it('lists in creation order with the total, finds by field and deletes', async () => {
    const [a, b, c] = [
      booking(),
      booking({ paid: true }),
      booking({ roomId: 'a0a0a0a0-0000-4000-8000-000000000001' }),
    ];
    await bookings.save(c);
    await bookings.save(a);
    await bookings.save(b);
    // c was created last (its createdAt is the latest) although it was saved first.
    expect((await bookings.list(0, 10)).items.map((x) => x.id)).toEqual([a.id, b.id, c.id]);
    expect(await bookings.list(1, 1)).toEqual({ items: [b], total: 3 });
    expect((await bookings.findAll('roomId', room)).map((x) => x.id).sort()).toEqual([a.id, b.id].sort());
    expect(await bookings.findBy('paid', true)).toEqual(b);
    await expect(bookings.findBy('colour', 'red')).rejects.toThrow('bookings has no column for colour');
    expect(await bookings.delete(a.id)).toBe(true);
    expect(await bookings.delete(a.id)).toBe(false);
    expect((await bookings.list(0, 10)).total).toBe(2);
  });

  it('keeps nothing of a unit of work that fails, and everything of one that commits', async () => {
    const kept = booking();
    const lost = booking();
    await db.run(() => bookings.save(kept));
    await expect(
      db.run(async () => {
        await bookings.save(lost);
        throw new Error('a rule refused it');
      }),
    ).rejects.toThrow('a rule refused it');
    expect(await bookings.get(kept.id)).toEqual(kept);
    expect(await bookings.get(lost.id)).toBeUndefined();
  });

  it('keeps a rule read in a unit true when concurrent units race (at most one booking per room)', async () => {
    const attempt = () =>
      db
        .run(async () => {
          const held = await bookings.findAll('roomId', room);
          if (held.length >= 1) throw new ConflictError('the room is taken');
          await bookings.save(booking());
        })
        .then(
          () => 'booked',
          (error: Error) => error.message,
        );
    const outcomes = await Promise.all(Array.from({ length: 6 }, attempt));
    expect(outcomes.filter((o) => o === 'booked')).toHaveLength(1);
    expect(outcomes.filter((o) => o !== 'booked')).toEqual(Array(5).fill('the room is taken'));
    expect(await bookings.findAll('roomId', room)).toHaveLength(1);
  });

  it('answers a broken unique constraint as a conflict', async () => {
    await db.query(
      `INSERT INTO bookings (id, room_id, day, starts_at, price, paid, code) VALUES ($1, $2, '2026-01-01', now(), 1, false, 'X')`,
      [booking().id, room],
    );
    await expect(
      db.query(
        `INSERT INTO bookings (id, room_id, day, starts_at, price, paid, code) VALUES ($1, $2, '2026-01-01', now(), 1, false, 'X')`,
        [booking().id, room],
      ),
    ).rejects.toBeInstanceOf(ConflictError);
  });

  it('refuses a schema that does not fit the code, naming every mismatch', async () => {
    await expect(
      db.verify([
        mapping,
        { table: 'bookings', columns: { ...mapping.columns, colour: 'colour' } },
        { table: 'rooms', columns: { id: 'id' } },
        { table: 'bookings', columns: { id: 'id' } },
      ]),
    ).rejects.toThrow(
      /bookings\.colour does not exist.*table rooms does not exist.*bookings\.room_id must be filled but no field maps to it/,
    );
    await expect(db.verify([mapping])).resolves.toBeUndefined();
  });

  it('sends an event only when its change commits, once, and again after a failed delivery', async () => {
    const delivered: DomainEventRecord[] = [];
    let failNext = true;
    const outbox = new PostgresOutbox(db, {
      send: async (event) => {
        if (failNext) {
          failNext = false;
          throw new Error('broker unreachable');
        }
        delivered.push(event);
      },
      close: async () => undefined,
    });
    const event = (name: string): DomainEventRecord => ({
      name,
      entityId: booking().id,
      occurredAt: '2026-03-14T09:30:00.000Z',
      payload: { room, seats: 4 },
    });
    await db.run(() => outbox.publish(event('BookingRequested')));
    await expect(
      db.run(async () => {
        await outbox.publish(event('BookingCancelled'));
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    await expect(outbox.relay()).rejects.toThrow('broker unreachable');
    expect(await outbox.relay()).toBe(1);
    expect(await outbox.relay()).toBe(0);
    expect(delivered).toEqual([
      expect.objectContaining({ name: 'BookingRequested', payload: { room, seats: 4 } }),
    ]);
    expect(delivered[0].occurredAt).toBe('2026-03-14T09:30:00.000Z');
  });
});

describe('service kit: PostgreSQL unreachable', () => {
  it('answers 503 (RepositoryUnavailableError), not a 500, when the database cannot be reached', async () => {
    const db = new PostgresDatabase({ connectionString: 'postgres://postgres@127.0.0.1:1/postgres' });
    await expect(db.query('SELECT 1')).rejects.toBeInstanceOf(RepositoryUnavailableError);
    await expect(db.run(async () => undefined)).rejects.toBeInstanceOf(RepositoryUnavailableError);
    await db.close();
  });
});
