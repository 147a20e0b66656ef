// bench/statements.ts
import { createWriteStream, mkdtempSync, readFileSync as readFileSync2, rmSync as rmSync2, statSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join as join2 } from "node:path";
import { once as once2 } from "node:events";
import { parseArgs } from "node:util";
import { getHeapStatistics } from "node:v8";
import { Session } from "node:inspector/promises";
import pg from "pg";

// src/core/calendar.ts
import { Temporal } from "temporal-polyfill";
var BUSINESS_TIME_ZONE = "Europe/Rome";
var ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
function parseCalendarDate(text8) {
  if (!ISO_DATE.test(text8)) throw new RangeError(`expected a date as YYYY-MM-DD, got "${text8}"`);
  try {
    return Temporal.PlainDate.from(text8, { overflow: "reject" }).toString();
  } catch {
    throw new RangeError(`"${text8}" is not a calendar date`);
  }
}
function isCalendarDate(text8) {
  try {
    parseCalendarDate(text8);
    return true;
  } catch {
    return false;
  }
}
function businessDate(instant, timeZone = BUSINESS_TIME_ZONE) {
  return Temporal.Instant.fromEpochMilliseconds(instant.getTime()).toZonedDateTimeISO(timeZone).toPlainDate().toString();
}
var known = /* @__PURE__ */ new Map();
function once(key, compute) {
  let value = known.get(key);
  if (value === void 0) {
    if (known.size >= 4096) known.clear();
    value = compute();
    known.set(key, value);
  }
  return value;
}
function addDays(date5, days) {
  return once(`${date5}+${days}d`, () => Temporal.PlainDate.from(date5).add({ days }).toString());
}
function addYears(date5, years) {
  return once(`${date5}+${years}y`, () => Temporal.PlainDate.from(date5).add({ years }, { overflow: "constrain" }).toString());
}
function compareDates(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}
var DATE_FORMATS = {
  it: new Intl.DateTimeFormat("it-IT", { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" }),
  en: new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" })
};
var INSTANT_PARTS = { day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit", timeZone: BUSINESS_TIME_ZONE };
var INSTANT_FORMATS = {
  it: new Intl.DateTimeFormat("it-IT", INSTANT_PARTS),
  en: new Intl.DateTimeFormat("en-GB", INSTANT_PARTS)
};

// src/core/clock.ts
var ManualClock = class {
  instant;
  constructor(start) {
    this.instant = new Date(start);
  }
  now() {
    return new Date(this.instant);
  }
  set(instant) {
    this.instant = new Date(instant);
  }
  advanceMs(ms) {
    this.instant = new Date(this.instant.getTime() + ms);
  }
};

// src/core/order-id.ts
var ORDER_ID_ALPHABET = "345679ACDEFHJKMNPRTUVWXY";
var PAYLOAD_LENGTH = 8;
function symbolValue(symbol) {
  return symbol <= "9" ? Number(symbol) : symbol.charCodeAt(0) - 55;
}
function mod97(payload) {
  let remainder = 0;
  for (const symbol of payload) remainder = (remainder * 100 + symbolValue(symbol)) % 97;
  return remainder;
}
function checkDigits(payload) {
  return String(98 - mod97(payload) * 100 % 97).padStart(2, "0");
}
function formatOrderId(id) {
  return `${id.slice(0, 4)}-${id.slice(4, 8)}-${id.slice(8)}`;
}
var COMPACT = new RegExp(`^[${ORDER_ID_ALPHABET}]{${PAYLOAD_LENGTH}}\\d{2}$`);
function isOrderId(text8) {
  return COMPACT.test(text8) && checkDigits(text8.slice(0, PAYLOAD_LENGTH)) === text8.slice(PAYLOAD_LENGTH);
}
function parseOrderId(text8) {
  const compact = text8.replace(/[\s.\-_/]/g, "").toUpperCase();
  if (!COMPACT.test(compact)) return null;
  const payload = compact.slice(0, PAYLOAD_LENGTH);
  return checkDigits(payload) === compact.slice(PAYLOAD_LENGTH) ? compact : null;
}

// src/core/errors.ts
var DomainError = class extends Error {
  constructor(code, detail) {
    super(detail ? `${code}: ${detail}` : code);
    this.code = code;
    this.detail = detail;
    this.name = "DomainError";
  }
  code;
  detail;
};
var DataFolderInUseError = class extends Error {
  constructor(folder2, ownerPid) {
    super(`the embedded database in ${folder2} is in use by process ${ownerPid}; stop it first, or set DATABASE_URL to a PostgreSQL server to run several processes`);
    this.folder = folder2;
    this.ownerPid = ownerPid;
    this.name = "DataFolderInUseError";
  }
  folder;
  ownerPid;
};

// src/db/client.ts
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { sql } from "drizzle-orm";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";

// src/db/read-cache.ts
import { AsyncLocalStorage } from "node:async_hooks";
var ReadCache = class {
  constructor(maxEntries = 1e4) {
    this.maxEntries = maxEntries;
  }
  maxEntries;
  generation = 0;
  entries = /* @__PURE__ */ new Map();
  reading = new AsyncLocalStorage();
  /** Runs `statement` as a write: every kept result is stale from when it starts until it has ended. Reads inside read() are not counted. */
  async write(statement) {
    if (this.reading.getStore()) return statement();
    this.generation++;
    try {
      return await statement();
    } finally {
      this.generation++;
    }
  }
  /** The kept result for `key`, or `run`'s, kept if nothing wrote while it ran. Callers must not mutate it. */
  async read(key, run) {
    const entry = this.entries.get(key);
    if (entry && entry.generation === this.generation) return entry.value;
    const generation = this.generation;
    const value = await this.reading.run(true, run);
    if (generation === this.generation) {
      this.entries.delete(key);
      if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value);
      this.entries.set(key, { generation, value: deepFreeze(value) });
    }
    return value;
  }
  get size() {
    return this.entries.size;
  }
};
function deepFreeze(value) {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
function throughCache(client, cache) {
  return {
    query: (...args) => cache.write(() => client.query(...args)),
    transaction: (run) => cache.write(() => client.transaction(run))
  };
}

// src/db/client.ts
var MIGRATIONS_FOLDER = fileURLToPath(new URL("./migrations", "file:///work/wt-statements/src/db/client.ts"));
var postgresDriver = memoize(async () => {
  const [{ default: driver }, { drizzle }, { migrate }] = await Promise.all([
    import("pg"),
    import("drizzle-orm/node-postgres"),
    import("drizzle-orm/node-postgres/migrator")
  ]);
  driver.types.setTypeParser(driver.types.builtins.DATE, (value) => value);
  driver.types.setTypeParser(driver.types.builtins.INT8, (value) => Number(value));
  return { pg: driver, drizzle, migrate };
});
function memoize(load) {
  let loaded;
  return () => loaded ??= load();
}
async function queryRows(executor, query) {
  const result = await executor.execute(query);
  return result.rows;
}
function preparedPerDatabase(build) {
  const built = /* @__PURE__ */ new WeakMap();
  return (db) => {
    let query = built.get(db);
    if (!query) built.set(db, query = build(db));
    return query;
  };
}
var readCaches = /* @__PURE__ */ new WeakMap();
function isPostgresUrl(url2) {
  return /^postgres(ql)?:\/\//.test(url2);
}
async function openDatabase(url2, options = {}) {
  if (isPostgresUrl(url2)) {
    const { pg: pg2, drizzle } = await postgresDriver();
    const pool = new pg2.Pool({ connectionString: url2, max: options.maxConnections ?? 10 });
    pool.on("error", () => {
    });
    await pool.query("select 1");
    return {
      kind: "postgres",
      db: drizzle(pool),
      pool,
      listen: (channel, onNotice, onGap) => listenPostgres(url2, channel, onNotice, onGap),
      close: () => pool.end()
    };
  }
  if (url2 === "memory://") return wrapPglite(new PGlite({ relaxedDurability: true }));
  mkdirSync(url2, { recursive: true });
  const releaseLock = lockDataFolder(url2);
  try {
    const client = await PGlite.create(url2, options.brief ? { startParams: [...PGlite.defaultStartParams, "-c", "shared_buffers=16MB"] } : {});
    return wrapPglite(client, releaseLock);
  } catch (error) {
    releaseLock();
    throw error;
  }
}
function wrapPglite(client, onClose = () => {
}) {
  const cache = new ReadCache();
  const db = drizzlePglite(throughCache(client, cache));
  readCaches.set(db, cache);
  return {
    kind: "pglite",
    db,
    // one process, one connection: nothing is ever missed, so no gap
    listen: async (channel, onNotice) => {
      const stop = await client.listen(channel, onNotice);
      return async () => stop();
    },
    close: async () => {
      await client.close();
      onClose();
    }
  };
}
var RELISTEN_MS = 1e3;
async function listenPostgres(url2, channel, onNotice, onGap) {
  const { pg: pg2 } = await postgresDriver();
  let stopped = false;
  let client;
  let retry;
  const connect = async () => {
    const attempt = new pg2.Client({ connectionString: url2 });
    let lost = false;
    const reconnectLater = () => {
      if (lost || stopped) return;
      lost = true;
      onGap();
      retry = setTimeout(() => connect().then(onGap, () => {
      }), RELISTEN_MS);
    };
    attempt.on("notification", (message) => message.channel === channel && onNotice(message.payload ?? ""));
    attempt.on("error", reconnectLater);
    attempt.on("end", reconnectLater);
    client = attempt;
    try {
      await attempt.connect();
      await attempt.query(`LISTEN ${pg2.escapeIdentifier(channel)}`);
    } catch (error) {
      reconnectLater();
      throw error;
    }
  };
  await connect().catch((error) => {
    stopped = true;
    clearTimeout(retry);
    throw error;
  });
  return async () => {
    stopped = true;
    clearTimeout(retry);
    await client?.end().catch(() => {
    });
  };
}
var foldersHeldHere = /* @__PURE__ */ new Set();
function lockDataFolder(folder2) {
  const lockPath = join(folder2, "pec-renewal.lock");
  const inUse = (owner) => new DataFolderInUseError(folder2, owner);
  const held = resolve(folder2);
  if (foldersHeldHere.has(held)) throw inUse(process.pid);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockPath, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      foldersHeldHere.add(held);
      return () => {
        foldersHeldHere.delete(held);
        rmSync(lockPath, { force: true });
      };
    } catch (error) {
      if (error.code !== "EEXIST") throw error;
      const owner = Number(readFileSync(lockPath, "utf8"));
      if (owner && owner !== process.pid && isAlive(owner)) throw inUse(owner);
      rmSync(lockPath, { force: true });
    }
  }
  throw new Error(`could not lock ${lockPath}`);
}
function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === "EPERM";
  }
}
var MIGRATION_LOCK = 7201001;
async function migrateDatabase(database2) {
  if (database2.kind === "pglite") {
    await migratePglite(database2.db, { migrationsFolder: MIGRATIONS_FOLDER });
    return;
  }
  const { drizzle, migrate } = await postgresDriver();
  const client = await database2.pool.connect();
  try {
    await client.query("select pg_advisory_lock($1)", [MIGRATION_LOCK]);
    await migrate(drizzle(client), { migrationsFolder: MIGRATIONS_FOLDER });
  } finally {
    await client.query("select pg_advisory_unlock($1)", [MIGRATION_LOCK]).catch(() => {
    });
    client.release();
  }
}

// src/catalog/queries.ts
import { and, asc, desc, eq, lte, sql as sql2 } from "drizzle-orm";

// src/db/audit-schema.ts
import { bigint, date, index, jsonb, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";
var auditLog = pgTable(
  "audit_log",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    at: timestamp("at", { withTimezone: true }).notNull(),
    actor: text("actor").notNull(),
    // holder:ID, operator:NAME, system:lifecycle, gateway:NAME
    action: text("action").notNull(),
    // mailbox.deactivated, order.placed, payment.paid …
    mailboxId: bigint("mailbox_id", { mode: "number" }),
    orderId: text("order_id"),
    paymentId: bigint("payment_id", { mode: "number" }),
    reason: text("reason"),
    data: jsonb("data")
  },
  (t) => [index("audit_mailbox").on(t.mailboxId), index("audit_order").on(t.orderId)]
);
var jobRuns = pgTable(
  "job_runs",
  {
    job: text("job").notNull(),
    runDate: date("run_date", { mode: "string" }).$type().notNull(),
    finishedAt: timestamp("finished_at", { withTimezone: true }).notNull(),
    summary: jsonb("summary")
  },
  (t) => [primaryKey({ columns: [t.job, t.runDate] })]
);

// src/catalog/schema.ts
import { boolean, date as date2, integer, pgTable as pgTable2, primaryKey as primaryKey2, text as text2, timestamp as timestamp2, bigint as bigint2, unique } from "drizzle-orm/pg-core";
var conventions = pgTable2("conventions", {
  code: text2("code").primaryKey(),
  // FNOMCEO
  name: text2("name").notNull(),
  payer: text2("payer", { enum: ["member", "order"] }).notNull().default("member"),
  durationsYears: integer("durations_years").array().notNull().default([1]),
  reminderOffsetsDays: integer("reminder_offsets_days").array().notNull().default([60, 30, 15, 7, 1]),
  // R7: reminders at or under this offset carry the public-register warning
  registerWarningDays: integer("register_warning_days").notNull().default(30),
  renewableWindowDays: integer("renewable_window_days").notNull().default(90),
  // R6
  lateRenewalFrom: text2("late_renewal_from", { enum: ["expiry", "payment"] }).notNull().default("expiry"),
  // R6
  // R5/R6: a deactivated mailbox is 'off' (no login, incoming mail refused) or 'receive-only' (mail
  // still delivered during the renewable window, no login): issue 13
  deactivationMode: text2("deactivation_mode", { enum: ["off", "receive-only"] }).notNull().default("off")
});
var prices = pgTable2(
  "prices",
  {
    conventionCode: text2("convention_code").notNull().references(() => conventions.code),
    years: integer("years").notNull(),
    netCents: integer("net_cents").notNull(),
    vatBasisPoints: integer("vat_basis_points").notNull().default(2200),
    isDemo: boolean("is_demo").notNull().default(false),
    // Issue 11: a price applies to orders placed from this day on; orders keep the price they were
    // placed with. A price without a day (the demo's, those from before price lists had dates) has
    // always been in force.
    effectiveFrom: date2("effective_from", { mode: "string" }).$type().notNull().default("2000-01-01"),
    createdAt: timestamp2("created_at", { withTimezone: true }).notNull().defaultNow()
  },
  (t) => [primaryKey2({ columns: [t.conventionCode, t.years, t.effectiveFrom] })]
);
var contractDocuments = pgTable2("contract_documents", {
  code: text2("code").primaryKey(),
  // e.g. 'conditions', 'onerous-clauses'
  titleIt: text2("title_it").notNull(),
  titleEn: text2("title_en").notNull(),
  // art. 1341–1342 c.c.: onerous clauses need their own, separate approval
  onerous: boolean("onerous").notNull().default(false)
});
var contractVersions = pgTable2(
  "contract_versions",
  {
    id: bigint2("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    documentCode: text2("document_code").notNull().references(() => contractDocuments.code),
    version: text2("version").notNull(),
    effectiveFrom: date2("effective_from", { mode: "string" }).$type().notNull(),
    url: text2("url").notNull(),
    body: text2("body").notNull(),
    createdAt: timestamp2("created_at", { withTimezone: true }).notNull().defaultNow()
  },
  (t) => [unique("contract_versions_document_version").on(t.documentCode, t.version)]
);

// src/catalog/queries.ts
async function findConvention(db, code) {
  const [row] = await db.select().from(conventions).where(eq(conventions.code, code));
  return row;
}
async function saveConvention(db, setup) {
  const { code, ...rest } = setup.convention;
  await db.insert(conventions).values(setup.convention).onConflictDoUpdate({ target: conventions.code, set: rest });
  for (const price of setup.prices) {
    const row = { ...price, conventionCode: code };
    await db.insert(prices).values(row).onConflictDoUpdate({ target: [prices.conventionCode, prices.years, prices.effectiveFrom], set: price });
  }
}
var FNOMCEO_DEMO = {
  convention: {
    code: "FNOMCEO",
    name: "Convenzione FNOMCEO (pagamento a carico dell\u2019Iscritto)",
    payer: "member",
    durationsYears: [1, 2, 3],
    reminderOffsetsDays: [60, 30, 15, 7, 1],
    registerWarningDays: 30,
    renewableWindowDays: 90,
    lateRenewalFrom: "expiry"
  },
  prices: [
    { years: 1, netCents: 1e3, vatBasisPoints: 2200, isDemo: true },
    { years: 2, netCents: 1800, vatBasisPoints: 2200, isDemo: true },
    { years: 3, netCents: 2500, vatBasisPoints: 2200, isDemo: true }
  ]
};

// src/demo/bulk-mailboxes.ts
import { sql as sql3 } from "drizzle-orm";
var BULK_FIRST_NAMES = [
  "Marco",
  "Giulia",
  "Luca",
  "Francesca",
  "Alessandro",
  "Chiara",
  "Andrea",
  "Sara",
  "Giuseppe",
  "Anna",
  "Matteo",
  "Laura",
  "Lorenzo",
  "Valentina",
  "Davide",
  "Elena",
  "Simone",
  "Martina",
  "Federico",
  "Silvia",
  "Riccardo",
  "Paola",
  "Stefano",
  "Roberta",
  "Paolo",
  "Federica",
  "Giovanni",
  "Alessia",
  "Antonio",
  "Elisa",
  "Francesco",
  "Ilaria",
  "Roberto",
  "Monica",
  "Fabio",
  "Cristina",
  "Massimo",
  "Barbara",
  "Daniele",
  "Serena",
  "Emanuele",
  "Claudia",
  "Nicola",
  "Marta",
  "Pietro",
  "Beatrice",
  "Tommaso",
  "Irene",
  "Gabriele",
  "Alice",
  "Salvatore",
  "Veronica",
  "Vincenzo",
  "Caterina",
  "Michele",
  "Debora",
  "Domenico",
  "Maria Grazia",
  "Carlo",
  "Rita",
  "Enrico"
];
var BULK_SURNAMES = [
  "Rossi",
  "Russo",
  "Ferrari",
  "Esposito",
  "Bianchi",
  "Romano",
  "Colombo",
  "Ricci",
  "Marino",
  "Greco",
  "Bruno",
  "Gallo",
  "Conti",
  "Costa",
  "Giordano",
  "Mancini",
  "Rizzo",
  "Lombardi",
  "Moretti",
  "Barbieri",
  "Fontana",
  "Santoro",
  "Mariani",
  "Rinaldi",
  "Caruso",
  "Ferrara",
  "Galli",
  "Martini",
  "Leone",
  "Longo",
  "Gentile",
  "Martinelli",
  "Vitale",
  "Lombardo",
  "Serra",
  "Coppola",
  "Villa",
  "Cattaneo",
  "Marchetti",
  "Parisi",
  "Fabbri",
  "Silvestri",
  "Sala",
  "Pellegrini",
  "Palumbo",
  "Sanna",
  "Farina",
  "Rizzi",
  "Monti",
  "Cattani",
  "Grassi",
  "Moro",
  "Ferri",
  "Testa",
  "Bellini",
  "Guerra",
  "Mazza",
  "Basile",
  "Benedetti",
  "Valentini",
  "Neri",
  "Orlando",
  "Pagano",
  "Bernardi",
  "Messina",
  "Rota",
  "Sartori",
  "Amato",
  "Fiore",
  "Bianco",
  "Fumagalli",
  "Riva",
  "Bassi",
  "Cirillo",
  "Ruggiero",
  "Donati",
  "Marchi",
  "Ferraro",
  "Piras",
  "Fadda",
  "Montanari",
  "Milani",
  "Morelli",
  "Pace",
  "Caputo",
  "Sorrentino",
  "Gatti",
  "Pellegrino",
  "Negri",
  "Carbone",
  "Giuliani",
  "Vitali",
  "Cocco",
  "Melis",
  "Zanetti",
  "Mele",
  "Olivieri",
  "Bellucci",
  "Tedesco",
  "De Luca",
  "De Santis",
  "De Angelis",
  "Di Stefano",
  "Di Giovanni",
  "De Rosa",
  "La Rosa",
  "Lo Russo",
  "Dalla Chiesa",
  "Del Monte",
  "Di Marco",
  "De Simone",
  "Di Pietro",
  "De Marco",
  "Lo Bianco",
  "Della Valle",
  "D'Amico",
  "D'Angelo",
  "De La Cruz",
  "Da Ponte",
  "Li Causi",
  "Lo Presti",
  "De Vita",
  "Di Bella",
  "Del Piero",
  "La Torre"
];
async function insertBulkMailboxes(db, p) {
  const first = p.firstNumber ?? 1;
  const last = first + p.count - 1;
  const span = p.toDays - p.fromDays + 1;
  const registeredEvery = p.registeredShare ? Math.max(1, Math.round(1 / p.registeredShare)) : 0;
  const holder = p.variedHolders ? {
    firstName: sql3`${JSON.stringify(BULK_FIRST_NAMES)}::jsonb ->> (i % ${BULK_FIRST_NAMES.length}::int)`,
    lastName: sql3`${JSON.stringify(BULK_SURNAMES)}::jsonb ->> ((i / ${BULK_FIRST_NAMES.length}::int) % ${BULK_SURNAMES.length}::int)`,
    // six letters from the number (distinct up to 26⁶), then a fixed birth date and place
    fiscalCode: sql3`chr(65 + i % 26) || chr(65 + i / 26 % 26) || chr(65 + i / 676 % 26) || chr(65 + i / 17576 % 26) || chr(65 + i / 456976 % 26) || chr(65 + i / 11881376 % 26) || '85T10A562S'`
  } : { firstName: sql3`'Nome'`, lastName: sql3`'Cognome ' || i`, fiscalCode: sql3`'RSSMRA85T10A562S'` };
  await db.execute(sql3`INSERT INTO accounts (id, first_name, last_name, fiscal_code, reference_email, language, created_at, updated_at)
    SELECT 'B' || lpad(i::text, 9, '0'), ${holder.firstName}, ${holder.lastName}, ${holder.fiscalCode}, 'titolare' || i || '@example.it',
           CASE WHEN i % 10 = 0 THEN 'en' ELSE 'it' END, now(), now()
      FROM generate_series(${first}::int, ${last}::int) AS i`);
  await db.execute(sql3`INSERT INTO mailboxes (address, account_id, convention_code, activated_on, expires_on, status, register, updated_at)
    SELECT 'casella' || i || '@pec.example.it', 'B' || lpad(i::text, 9, '0'), 'FNOMCEO', e - 365, e,
           CASE WHEN NOT ${p.settledPast ?? false}::boolean OR e >= ${p.today}::date - 1 THEN 'active'
                WHEN e < ${p.today}::date - 91 THEN 'ceased' ELSE 'deactivated' END,
           CASE WHEN ${registeredEvery}::int > 0 AND i % ${registeredEvery || 1}::int = 0
                THEN (CASE WHEN i % 2 = 0 THEN 'ini_pec' ELSE 'registro_imprese' END) ELSE 'none' END,
           now()
      FROM (SELECT i, ${p.today}::date + ${p.fromDays}::int + ((i::bigint * 7919) % ${span}::int)::int AS e
              FROM generate_series(${first}::int, ${last}::int) AS i) AS g`);
}

// src/payments/offline/read-statement.ts
import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";

// src/payments/offline/camt053.ts
import { SaxesParser } from "saxes";

// src/payments/offline/statement-entry.ts
var StatementError = class extends Error {
  constructor(code, message, facts) {
    super(`${code}: ${message}`);
    this.code = code;
    this.facts = facts;
    this.name = "StatementError";
  }
  code;
  facts;
};
function decimalToCents(text8) {
  const match = /^(\d{1,13})(?:[.,](\d+))?$/.exec(text8.trim());
  if (!match) return null;
  const fraction = match[2] ?? "";
  if (/[1-9]/.test(fraction.slice(2))) return null;
  return Number(match[1]) * 100 + Number(fraction.slice(0, 2).padEnd(2, "0"));
}
function detached(text8) {
  return text8.length < 13 ? text8 : (" " + text8).slice(1);
}

// src/payments/offline/camt053.ts
var CAMT053_NAMESPACE = /^urn:iso:std:iso:20022:tech:xsd:camt\.053\.001\.0([2-8])$/;
var MAX_DEPTH = 40;
var MAX_UNREAD_CHARS = 1 << 14;
var MAX_ATTRIBUTES = 32;
var MAX_REMITTANCE_PARTS = 20;
var PIECE_CHARS = 1 << 16;
var BLANKS_CHARS = 64;
var STATEMENT_FIELDS = fieldTree("statement", [
  ["Id", 35],
  ["Acct/Id/IBAN", 34],
  ["Acct/Id/Othr/Id", 34]
]);
var ENTRY_FIELDS = fieldTree("entry", [
  ["NtryRef", 35],
  ["Amt", 35],
  ["CdtDbtInd", 4],
  ["RvslInd", 5],
  ["Sts", 4],
  // .02–.05: the code as text; from .06 a choice whose Cd or Prtry is read
  ["Sts/Cd", 4],
  ["Sts/Prtry", 35],
  ["BookgDt/Dt", 10],
  ["BookgDt/DtTm", 35],
  ["ValDt/Dt", 10],
  ["ValDt/DtTm", 35],
  ["AcctSvcrRef", 35],
  ["AddtlNtryInf", 500]
]);
var TRANSACTION_FIELDS = fieldTree("transaction", [
  ["Amt", 35],
  ["AmtDtls/TxAmt/Amt", 35],
  ["CdtDbtInd", 4],
  ["Refs/AcctSvcrRef", 35],
  ["Refs/EndToEndId", 35],
  ["RltdPties/Dbtr/Nm", 140],
  ["RltdPties/Dbtr/Pty/Nm", 140],
  ["RltdPties/DbtrAcct/Id/IBAN", 34],
  ["RmtInf/Ustrd", 140],
  ["RmtInf/Strd/CdtrRefInf/Ref", 35],
  ["AddtlTxInf", 500]
]);
function fieldTree(scope, fields) {
  const root = { scope, path: "", children: /* @__PURE__ */ new Map() };
  for (const [path, limit] of fields) {
    let node = root;
    for (const name2 of path.split("/")) {
      let child = node.children.get(name2);
      if (!child) node.children.set(name2, child = { scope, path: node.path ? `${node.path}/${name2}` : name2, children: /* @__PURE__ */ new Map() });
      node = child;
    }
    node.limit = limit;
  }
  return root;
}
function saxesBuffers(parser) {
  const b = parser;
  if (typeof b.text !== "string" || typeof b.name !== "string" || typeof b.entity !== "string" || typeof b.piTarget !== "string" || !Array.isArray(b.attribList)) {
    throw new Error("saxes no longer has the buffers parseCamt053 bounds (text, name, entity, piTarget, attribList): check the saxes upgrade");
  }
  return b;
}
function characters(text8) {
  let n2 = text8.length;
  for (let i = 0; i < text8.length; i++) {
    const c = text8.charCodeAt(i);
    if (c >= 55296 && c <= 56319) n2--;
  }
  return n2;
}
function newTx() {
  return { amountCents: null, currency: null, creditDebit: null, acctSvcrRef: null, endToEndId: null, ustrd: [], structuredRefs: [], additionalInfo: null, debtorName: null, debtorIban: null };
}
var knownDates = /* @__PURE__ */ new Map();
function dateOf(text8) {
  const date5 = text8.trim().slice(0, 10);
  let known2 = knownDates.get(date5);
  if (known2 === void 0) {
    if (knownDates.size >= 1024) knownDates.clear();
    known2 = isCalendarDate(date5) ? date5 : null;
    knownDates.set(date5, known2);
  }
  return known2;
}
function trimmed(text8) {
  return detached(text8.trim());
}
function reference(text8) {
  const value = trimmed(text8);
  return value && value.toUpperCase() !== "NOTPROVIDED" ? value : null;
}
function indicator(text8) {
  const value = text8.trim();
  return value === "CRDT" || value === "DBIT" ? value : null;
}
async function* parseCamt053(source) {
  const parser = new SaxesParser({ xmlns: false, position: true });
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const ready = [];
  const stack = [];
  const buffers = saxesBuffers(parser);
  let text8 = "";
  let textChars = 0;
  const nodes = [];
  let field2 = null;
  let fieldDepth = -1;
  let closing = false;
  let rootSeen = false;
  let statementsSeen = false;
  let stmt = null;
  let stmtDepth = -1;
  let entry = null;
  let entryDepth = -1;
  let tx = null;
  let txDepth = -1;
  let amountCurrency = null;
  const fail = (code, message) => {
    throw new StatementError(code, `${message} (line ${parser.line}, column ${parser.column})`);
  };
  const where = () => entry && stmt ? ` in entry ${entry.index} of statement ${stmt.id || "(no Id yet)"}` : stmt ? ` in statement ${stmt.id || "(no Id yet)"}` : "";
  const elementOf = (f) => `${f.scope === "statement" ? "Stmt" : f.scope === "entry" ? "Ntry" : "TxDtls"}/${f.path}`;
  const tooLong2 = (f) => {
    const element = elementOf(f);
    throw new StatementError("field_too_long", `${element}${where()} is longer than ${f.limit} characters, its ISO 20022 limit (line ${parser.line})`, {
      element,
      line: parser.line,
      limit: f.limit
    });
  };
  const tooLarge = (what) => {
    const element = stack.length ? stack.slice(-3).map((name2) => name2.slice(0, 40)).join("/") : "Document";
    throw new StatementError("too_large_node", `${what} longer than ${MAX_UNREAD_CHARS} characters inside ${element}${where()}: not a bank statement (line ${parser.line})`, {
      element,
      line: parser.line,
      limit: MAX_UNREAD_CHARS
    });
  };
  const tooMany = (element) => {
    throw new StatementError("too_many_elements", `more than ${MAX_REMITTANCE_PARTS} ${element} in one transaction${where()} (line ${parser.line})`, {
      element,
      line: parser.line,
      limit: MAX_REMITTANCE_PARTS
    });
  };
  const textBound = (f) => f ? 2 * f.limit + BLANKS_CHARS : MAX_UNREAD_CHARS;
  parser.on("error", (error) => {
    const detail = error.message.replace(/^(?:[^:]*:)?\d+:\d+: /, "");
    fail(closing ? "truncated" : "malformed", closing ? `the document ends before it is complete (${detail})` : detail);
  });
  parser.on("doctype", () => {
    throw new StatementError("doctype_refused", "the file declares a DOCTYPE; bank statements have none, and entities are never expanded");
  });
  parser.on("xmldecl", (decl) => {
    if (decl.encoding && !/^utf-?8$/i.test(decl.encoding)) {
      throw new StatementError("encoding", `the file declares encoding "${decl.encoding}"; only UTF-8 statements are accepted`);
    }
  });
  const addText = (t) => {
    textChars += t.length;
    if (textChars > textBound(field2)) {
      if (field2) tooLong2(field2);
      tooLarge("a text");
    }
    if (field2) text8 += t;
  };
  parser.on("text", addText);
  parser.on("cdata", addText);
  parser.on("opentag", (tag) => {
    text8 = "";
    textChars = 0;
    let attributes = 0;
    for (const name2 in tag.attributes) {
      if (++attributes > MAX_ATTRIBUTES) fail("malformed", `an element with more than ${MAX_ATTRIBUTES} attributes`);
      if (tag.attributes[name2].length > MAX_UNREAD_CHARS) tooLarge("an attribute value");
    }
    const colon = tag.name.indexOf(":");
    const local = colon < 0 ? tag.name : tag.name.slice(colon + 1);
    if (!rootSeen) {
      rootSeen = true;
      const uri = tag.attributes[colon < 0 ? "xmlns" : `xmlns:${tag.name.slice(0, colon)}`] ?? "";
      if (local !== "Document" || !CAMT053_NAMESPACE.test(uri)) {
        throw new StatementError("not_a_statement", `root element {${uri}}${local} is not a camt.053.001.02\u201308 Document`);
      }
    }
    stack.push(local);
    if (stack.length > MAX_DEPTH) fail("malformed", `elements nested deeper than ${MAX_DEPTH}`);
    const depth = stack.length - 1;
    let scope = null;
    switch (local) {
      case "BkToCstmrStmt":
        if (depth === 1) statementsSeen = true;
        break;
      case "Stmt":
        if (depth === 2 && statementsSeen) {
          stmt = { id: "", account: "", entries: 0 };
          stmtDepth = depth;
          scope = STATEMENT_FIELDS;
        }
        break;
      case "Ntry":
        if (stmt && depth === stmtDepth + 1) {
          entry = {
            index: ++stmt.entries,
            ntryRef: null,
            amountCents: null,
            currency: "",
            creditDebit: null,
            reversal: false,
            status: "",
            bookingDate: null,
            valueDate: null,
            acctSvcrRef: null,
            additionalInfo: null,
            transactions: 0,
            held: null
          };
          entryDepth = depth;
          scope = ENTRY_FIELDS;
        }
        break;
      case "TxDtls":
        if (entry) {
          tx = newTx();
          txDepth = depth;
          scope = TRANSACTION_FIELDS;
        }
        break;
      case "Amt": {
        const ccy = tag.attributes["Ccy"];
        amountCurrency = ccy ? String(ccy) : null;
        break;
      }
    }
    const node = scope ?? (depth > 0 ? nodes[depth - 1]?.children.get(local) : void 0) ?? null;
    nodes[depth] = node;
    field2 = node?.limit === void 0 ? null : node;
    fieldDepth = depth;
  });
  parser.on("closetag", () => {
    const depth = stack.length - 1;
    const read = field2 !== null && fieldDepth === depth ? field2 : null;
    const value = text8;
    text8 = "";
    textChars = 0;
    field2 = null;
    if (read) {
      const trimmedValue = value.trim();
      if (trimmedValue.length > read.limit && characters(trimmedValue) > read.limit) tooLong2(read);
      if (read.scope === "transaction") readTransaction(tx, read.path, value);
      else if (read.scope === "entry") readEntry(entry, read.path, value);
      else if (read.path === "Id") stmt.id = trimmed(value);
      else if (read.path === "Acct/Id/IBAN" || !stmt.account) stmt.account = detached(value.replace(/\s/g, ""));
    } else if (tx && depth === txDepth) {
      closeTransaction(tx);
      tx = null;
    } else if (entry && depth === entryDepth) {
      closeEntry(entry);
      entry = null;
    } else if (stmt && depth === stmtDepth) stmt = null;
    stack.pop();
  });
  function readEntry(e, path, value) {
    switch (path) {
      case "NtryRef":
        e.ntryRef = reference(value);
        break;
      case "Amt":
        e.amountCents = decimalToCents(value);
        e.currency = amountCurrency ?? "";
        if (e.amountCents === null && e.currency === "EUR") fail("malformed", `entry amount "${value.trim()}" is not a euro amount`);
        break;
      case "CdtDbtInd":
        e.creditDebit = indicator(value);
        break;
      case "RvslInd":
        e.reversal = value.trim() === "true" || value.trim() === "1";
        break;
      case "Sts":
        if (value.trim()) e.status = trimmed(value);
        break;
      case "Sts/Cd":
      // .06 onwards
      case "Sts/Prtry":
        e.status = trimmed(value);
        break;
      case "BookgDt/Dt":
      case "BookgDt/DtTm":
        e.bookingDate = dateOf(value);
        break;
      case "ValDt/Dt":
      case "ValDt/DtTm":
        e.valueDate = dateOf(value);
        break;
      case "AcctSvcrRef":
        e.acctSvcrRef = reference(value);
        break;
      case "AddtlNtryInf":
        e.additionalInfo = trimmed(value) || null;
        break;
    }
  }
  function readTransaction(t, path, value) {
    switch (path) {
      case "Amt":
      // .03 onwards
      case "AmtDtls/TxAmt/Amt":
        if (t.amountCents === null || path === "Amt") {
          t.amountCents = decimalToCents(value);
          t.currency = amountCurrency;
        }
        break;
      case "CdtDbtInd":
        t.creditDebit = indicator(value);
        break;
      case "Refs/AcctSvcrRef":
        t.acctSvcrRef = reference(value);
        break;
      case "Refs/EndToEndId":
        t.endToEndId = reference(value);
        break;
      case "RltdPties/Dbtr/Nm":
      // up to .07
      case "RltdPties/Dbtr/Pty/Nm":
        t.debtorName = trimmed(value) || null;
        break;
      case "RltdPties/DbtrAcct/Id/IBAN":
        t.debtorIban = value.replace(/\s/g, "").toUpperCase() || null;
        break;
      case "RmtInf/Ustrd":
        if (t.ustrd.length === MAX_REMITTANCE_PARTS) tooMany("Ustrd");
        if (value.trim()) t.ustrd.push(trimmed(value));
        break;
      case "RmtInf/Strd/CdtrRefInf/Ref":
        if (t.structuredRefs.length === MAX_REMITTANCE_PARTS) tooMany("Strd/CdtrRefInf/Ref");
        if (value.trim()) t.structuredRefs.push(trimmed(value));
        break;
      case "AddtlTxInf":
        t.additionalInfo = trimmed(value) || null;
        break;
    }
  }
  function closeTransaction(t) {
    const e = entry;
    e.transactions++;
    if (e.transactions === 1) {
      e.held = t;
      return;
    }
    if (e.held) {
      ready.push(batchEntry(e, e.held, 1));
      e.held = null;
    }
    ready.push(batchEntry(e, t, e.transactions));
  }
  function closeEntry(e) {
    if (e.transactions <= 1) ready.push(singleEntry(e, e.held));
  }
  function remittance2(a, b, c, d) {
    let text9 = "";
    for (const part of a) text9 = text9 ? `${text9} ${part}` : part;
    for (const part of b) text9 = text9 ? `${text9} ${part}` : part;
    if (c) text9 = text9 ? `${text9} ${c}` : c;
    if (d) text9 = text9 ? `${text9} ${d}` : d;
    return text9;
  }
  function singleEntry(e, t) {
    const bankRef = e.acctSvcrRef ?? t?.acctSvcrRef ?? null;
    return {
      entryRef: bankRef ?? e.ntryRef ?? `${stmt.id || "Stmt"}/${e.index}`,
      account: stmt.account,
      bookingDate: e.bookingDate,
      valueDate: e.valueDate,
      currency: e.currency,
      amountCents: e.amountCents ?? 0,
      creditDebit: e.creditDebit ?? "DBIT",
      status: e.status,
      reversal: e.reversal,
      remittanceText: t ? remittance2(t.ustrd, t.structuredRefs, t.additionalInfo, e.additionalInfo) : e.additionalInfo ?? "",
      debtorName: t?.debtorName ?? void 0,
      debtorIban: t?.debtorIban ?? void 0,
      bankRef,
      endToEndId: t?.endToEndId ?? void 0
    };
  }
  function batchEntry(e, t, n2) {
    const bankRef = t.acctSvcrRef ?? (e.acctSvcrRef ? `${e.acctSvcrRef}/${n2}` : null);
    return {
      entryRef: bankRef ?? `${e.ntryRef ?? `${stmt.id || "Stmt"}/${e.index}`}/${n2}`,
      account: stmt.account,
      bookingDate: e.bookingDate,
      valueDate: e.valueDate,
      currency: t.currency ?? e.currency,
      amountCents: t.amountCents ?? 0,
      creditDebit: t.creditDebit ?? e.creditDebit ?? "DBIT",
      status: e.status,
      reversal: e.reversal,
      remittanceText: remittance2(t.ustrd, t.structuredRefs, t.additionalInfo, null),
      debtorName: t.debtorName ?? void 0,
      debtorIban: t.debtorIban ?? void 0,
      bankRef,
      endToEndId: t.endToEndId ?? void 0
    };
  }
  const checkBuffers = () => {
    if (buffers.text.length > textBound(field2)) {
      if (field2) tooLong2(field2);
      tooLarge("a text, comment or attribute value");
    }
    if (buffers.name.length > MAX_UNREAD_CHARS || buffers.entity.length > MAX_UNREAD_CHARS || buffers.piTarget.length > MAX_UNREAD_CHARS) tooLarge("a name");
    if (buffers.attribList.length > MAX_ATTRIBUTES) fail("malformed", `an element with more than ${MAX_ATTRIBUTES} attributes`);
  };
  let prolog = "";
  let first = true;
  const feed = (chunk) => {
    if (!rootSeen) {
      prolog = (prolog + chunk).slice(-4096);
      if (/<!(DOCTYPE|ENTITY)/i.test(prolog)) {
        throw new StatementError("doctype_refused", "the file declares a DOCTYPE or ENTITY; bank statements have none, and entities are never expanded");
      }
    }
    for (let at = 0; at < chunk.length; at += PIECE_CHARS) {
      parser.write(chunk.length <= PIECE_CHARS ? chunk : chunk.slice(at, at + PIECE_CHARS));
      checkBuffers();
    }
  };
  for await (const chunk of source) {
    let decoded;
    if (typeof chunk === "string") decoded = chunk;
    else {
      if (first && chunk.length >= 2 && (chunk[0] === 255 && chunk[1] === 254 || chunk[0] === 254 && chunk[1] === 255)) {
        throw new StatementError("encoding", "the file is UTF-16; only UTF-8 statements are accepted");
      }
      try {
        decoded = decoder.decode(chunk, { stream: true });
      } catch {
        throw new StatementError("encoding", "the file is not valid UTF-8 (a byte sequence cannot be decoded)");
      }
    }
    first = false;
    feed(decoded);
    if (ready.length > 0) yield* ready.splice(0);
  }
  try {
    feed(decoder.decode());
  } catch (error) {
    if (error instanceof StatementError) throw error;
    throw new StatementError("encoding", "the file ends in the middle of a UTF-8 character");
  }
  if (!rootSeen) throw new StatementError("not_a_statement", "no XML document in the file");
  closing = true;
  parser.close();
  if (!statementsSeen) throw new StatementError("not_a_statement", "the document has no BkToCstmrStmt");
  if (ready.length > 0) yield* ready.splice(0);
}

// src/payments/offline/cbi-rh.ts
import { composeIBAN } from "ibantools";
var CBI_RECORD_LENGTH = 120;
var MAX_DETAIL_RECORDS = 20;
var tooLong = (line, length) => {
  throw new StatementError("field_too_long", `line ${line} is ${length > 4 * CBI_RECORD_LENGTH ? "over " : ""}${length} characters long, a record has ${CBI_RECORD_LENGTH}`, {
    element: "record",
    line,
    limit: CBI_RECORD_LENGTH
  });
};
var field = (record, from, to) => record.slice(from - 1, to);
function cbiDate(text8) {
  if (!/^\d{6}$/.test(text8)) return null;
  const iso = `20${text8.slice(4, 6)}-${text8.slice(2, 4)}-${text8.slice(0, 2)}`;
  return isCalendarDate(iso) ? iso : null;
}
function cbiAmount(text8) {
  const t = text8.trim();
  const withComma = /^(\d{1,12}),(\d{2})$/.exec(t);
  if (withComma) return Number(withComma[1]) * 100 + Number(withComma[2]);
  return /^\d{1,15}$/.test(t) ? Number(t) : null;
}
function signed(sign, cents) {
  return sign === "D" ? -cents : cents;
}
async function* records(source) {
  let pending = "";
  let line = 0;
  let lineMode = null;
  for await (const chunk of source) {
    pending += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("latin1");
    if (lineMode === null && (pending.length > CBI_RECORD_LENGTH + 2 || pending.includes("\n"))) lineMode = /[\r\n]/.test(pending.slice(0, CBI_RECORD_LENGTH + 2));
    if (lineMode === null) continue;
    if (lineMode) {
      let at;
      while ((at = pending.indexOf("\n")) >= 0) {
        const record = pending.slice(0, at).replace(/\r$/, "");
        pending = pending.slice(at + 1);
        line++;
        if (record.trim()) yield { record, line };
      }
    } else {
      while (pending.length >= CBI_RECORD_LENGTH) {
        line++;
        yield { record: pending.slice(0, CBI_RECORD_LENGTH), line };
        pending = pending.slice(CBI_RECORD_LENGTH);
      }
    }
    if (pending.length > 4 * CBI_RECORD_LENGTH) tooLong(line + 1, pending.length);
  }
  if (pending.replace(/\r?\n?$/, "").trim()) yield { record: pending.replace(/\r?\n?$/, ""), line: line + 1 };
}
async function* parseCbiRh(source) {
  let header = false;
  let trailer = false;
  let statement = null;
  let movement = null;
  let recordCount = 0;
  const fail = (line, message) => {
    throw new StatementError("malformed", `line ${line}: ${message}`);
  };
  function entryOf(m) {
    const r = m.record62;
    const sign = field(r, 26, 26);
    const amountCents = cbiAmount(field(r, 27, 41));
    if (sign !== "C" && sign !== "D" || amountCents === null) fail(m.line, "record 62 has no valid sign and amount at 26\u201341");
    statement.sum += signed(sign, amountCents);
    const bankRef = detached(field(r, 62, 77).trim()) || null;
    const description = field(r, 87, 120).trim();
    const movementNumber = `${field(r, 4, 10)}/${field(r, 11, 13)}`;
    return {
      entryRef: bankRef ?? `${field(r, 20, 25)}/${movementNumber}`,
      account: statement.account,
      bookingDate: cbiDate(field(r, 20, 25)),
      valueDate: cbiDate(field(r, 14, 19)),
      currency: statement.currency,
      amountCents,
      creditDebit: sign === "C" ? "CRDT" : "DBIT",
      status: "BOOK",
      // the RH file reports booked movements only
      reversal: false,
      // a CBI storno is an ordinary movement of the opposite sign
      remittanceText: [...m.remittance, description, ...m.extra].filter(Boolean).join(" "),
      debtorName: m.debtorName || void 0,
      // one shape for every entry: absent is undefined
      debtorIban: void 0,
      // an RH movement does not carry the payer's account
      bankRef,
      endToEndId: m.endToEndId || void 0
    };
  }
  for await (const { record: raw, line } of records(source)) {
    if (/[\x00-\x08\x0b\x0c\x0e-\x1f]/.test(raw)) fail(line, "binary data: not a CBI file");
    if (raw.length > CBI_RECORD_LENGTH) tooLong(line, raw.length);
    const record = raw.padEnd(CBI_RECORD_LENGTH);
    const type = field(record, 2, 3);
    recordCount++;
    if (!header) {
      if (type !== "RH") throw new StatementError("not_a_statement", `line ${line}: a CBI RH file starts with an RH record`);
      header = true;
      continue;
    }
    if (trailer) fail(line, "records after the EF trailer");
    if (type !== "63" && movement) {
      yield entryOf(movement);
      movement = null;
    }
    switch (type) {
      case "61": {
        if (statement) fail(line, "record 61 before the 64 that closes the previous statement");
        const bban = `${field(record, 52, 52)}${field(record, 53, 57)}${field(record, 58, 62)}${field(record, 63, 74)}`;
        const opening = cbiAmount(field(record, 85, 99));
        if (opening === null) fail(line, "record 61 has no opening balance at 85\u201399");
        statement = {
          number: field(record, 4, 10),
          account: composeIBAN({ countryCode: "IT", bban }) ?? `IT-BBAN-${bban.trim()}`,
          currency: field(record, 75, 77).trim() || "EUR",
          opening: signed(field(record, 84, 84), opening),
          sum: 0
        };
        break;
      }
      case "62":
        if (!statement) fail(line, "record 62 outside a statement (no 61 before it)");
        movement = { record62: record, line, remittance: [], extra: [], endToEndId: null, debtorName: null, details: 0 };
        break;
      case "63": {
        if (!movement) fail(line, "record 63 without the 62 it continues");
        if (++movement.details > MAX_DETAIL_RECORDS) {
          throw new StatementError("too_many_elements", `line ${line}: more than ${MAX_DETAIL_RECORDS} records 63 for the movement of line ${movement.line}`, {
            element: "record 63",
            line,
            limit: MAX_DETAIL_RECORDS
          });
        }
        const tag = field(record, 14, 16);
        const content = field(record, 17, 120).trim();
        if (tag === "RI1" || tag === "RI2") movement.remittance.push(content);
        else if (tag === "ID1") movement.endToEndId = content && content !== "NOTPROVIDED" ? content : null;
        else if (tag === "YYY") movement.debtorName ??= content.replace(/^\d{8}\s*/, "").split(/\s{3,}/)[0] || null;
        else movement.extra.push(field(record, 14, 120).trim());
        break;
      }
      case "64": {
        if (!statement) fail(line, "record 64 without a 61");
        const closing = cbiAmount(field(record, 21, 35));
        if (closing === null) fail(line, "record 64 has no closing balance at 21\u201335");
        const expected = statement.opening + statement.sum;
        if (signed(field(record, 20, 20), closing) !== expected) {
          fail(line, `movements do not add up: opening plus movements is ${expected} cents, the closing balance says ${signed(field(record, 20, 20), closing)}`);
        }
        statement = null;
        break;
      }
      case "EF":
        if (statement) fail(line, "EF before the 64 that closes the statement");
        trailer = true;
        break;
      case "65":
        break;
      // intraday balances: nothing to register
      default:
        fail(line, `unknown record type "${type}"`);
    }
  }
  if (!header) throw new StatementError("not_a_statement", "empty file");
  if (!trailer) throw new StatementError("truncated", `the file ends after ${recordCount} records without the EF trailer`);
}

// src/payments/offline/read-statement.ts
var CHUNK_BYTES = 64 * 1024;
function detectStatementFormat(head) {
  let text8 = Buffer.from(head).toString("latin1");
  if (text8.startsWith("\xEF\xBB\xBF")) text8 = text8.slice(3);
  if (/^(\xff\xfe|\xfe\xff)/.test(text8)) throw new StatementError("encoding", "the file is UTF-16; only UTF-8 statements are accepted");
  const start = text8.trimStart();
  if (start.startsWith("<")) return "camt053";
  if (/^ ?RH/.test(text8)) return "cbi-rh";
  throw new StatementError("unknown_format", "neither a camt.053 XML statement nor a CBI RH movements file");
}
async function detectStatementFileFormat(filePath) {
  const handle = await open(filePath, "r");
  try {
    const head = Buffer.alloc(512);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return detectStatementFormat(head.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}
async function* readStatementFile(filePath, format) {
  const chosen = format ?? await detectStatementFileFormat(filePath);
  const stream = createReadStream(filePath, { highWaterMark: CHUNK_BYTES });
  try {
    yield* chosen === "camt053" ? parseCamt053(stream) : parseCbiRh(stream);
  } finally {
    stream.destroy();
  }
}

// src/payments/offline/stage-statement-entry.ts
import { createHash } from "node:crypto";

// src/payments/imports/import-reason.ts
function encodeImportReason(reason) {
  return "detail" in reason ? `${reason.code}:${reason.detail}` : reason.code;
}

// src/payments/incoming-payment.ts
var MAX_PAYMENT_CENTS = 2147483647;

// src/payments/offline/order-reference.ts
var ID_LENGTH = 10;
var PAYLOAD_LENGTH2 = 8;
var DIGITS = "0123456789";
var IN_ALPHABET = new Set(ORDER_ID_ALPHABET);
function tokens(remittanceText) {
  const found = [];
  for (const m of remittanceText.matchAll(/[A-Za-z0-9]+/g)) {
    found.push({ text: m[0].toUpperCase(), start: m.index, end: m.index + m[0].length });
  }
  return found;
}
function alignedWindows(list) {
  const windows = [];
  for (let i = 0; i < list.length; i++) {
    let compact = "";
    for (let j = i; j < list.length && compact.length < ID_LENGTH; j++) {
      compact += list[j].text;
      if (compact.length === ID_LENGTH) windows.push({ compact, start: list[i].start, end: list[j].end });
    }
  }
  return windows;
}
function gluedWindows(list) {
  const stream = list.map((t) => t.text).join("");
  const starts = /* @__PURE__ */ new Set();
  const ends = /* @__PURE__ */ new Set();
  let offset = 0;
  for (const t of list) {
    starts.add(offset);
    offset += t.text.length;
    ends.add(offset);
  }
  const windows = [];
  for (let at = 0; at + ID_LENGTH <= stream.length; at++) {
    if (starts.has(at) || ends.has(at + ID_LENGTH)) windows.push(stream.slice(at, at + ID_LENGTH));
  }
  return windows;
}
function isValid(compact) {
  return isOrderId(compact);
}
function oneSubstitutionAway(compact) {
  const found = [];
  for (let position = 0; position < ID_LENGTH; position++) {
    const symbols = position < PAYLOAD_LENGTH2 ? ORDER_ID_ALPHABET : DIGITS;
    for (const symbol of symbols) {
      if (symbol === compact[position]) continue;
      const candidate = compact.slice(0, position) + symbol + compact.slice(position + 1);
      if (shapeViolations(candidate) === 0 && isOrderId(candidate)) found.push(candidate);
    }
  }
  return found;
}
function shapeViolations(compact) {
  let violations = 0;
  for (let i = 0; i < ID_LENGTH; i++) {
    const ok = i < PAYLOAD_LENGTH2 ? IN_ALPHABET.has(compact[i]) : compact[i] >= "0" && compact[i] <= "9";
    if (!ok) violations++;
  }
  return violations;
}
function findOrderReference(remittanceText) {
  const list = tokens(remittanceText);
  const aligned = alignedWindows(list);
  let valid = unique2(aligned.map((w) => w.compact).filter(isValid));
  if (valid.length === 0) valid = unique2(gluedWindows(list).filter(isValid));
  if (valid.length === 1) return { kind: "match", orderId: valid[0] };
  if (valid.length > 1) return { kind: "ambiguous", orderIds: valid };
  for (const window of aligned) {
    if (shapeViolations(window.compact) > 1) continue;
    const candidates = oneSubstitutionAway(window.compact);
    if (candidates.length === 1) {
      return { kind: "typo", candidate: candidates[0], quoted: remittanceText.slice(window.start, window.end) };
    }
  }
  return { kind: "none" };
}
function unique2(values2) {
  return [...new Set(values2)];
}

// src/payments/offline/stage-statement-entry.ts
var BANK_TRANSFER = "bonifico";
function stageStatementEntry(entry, occurrences) {
  const shown = { entryRef: entry.entryRef, amountCents: entry.amountCents };
  const ignored = ignoredReason(entry);
  if (ignored) return { kind: "ignored", ...shown, note: ignored };
  const key = paymentReference(entry, occurrences);
  const reference2 = findOrderReference(entry.remittanceText);
  const orderRef = quotedOrderRef(entry, reference2);
  const orderId = reference2.kind === "match" ? reference2.orderId : null;
  if (entry.reversal) {
    return {
      kind: "reversal",
      ...shown,
      method: BANK_TRANSFER,
      reference: `${key}/reversal`,
      orderRef,
      orderId,
      facts: {
        // what finds the original (findReversalOriginal), and what the reversal keeps as its raw facts
        search: { account: entry.account, sameReference: entry.bankRef ? key : void 0, endToEndId: entry.endToEndId || void 0 },
        raw: { account: entry.account, entryRef: entry.entryRef, bookingDate: entry.bookingDate, remittanceText: entry.remittanceText }
      }
    };
  }
  return {
    kind: "payment",
    ...shown,
    method: BANK_TRANSFER,
    reference: key,
    orderRef,
    orderId,
    note: unknownReason(reference2),
    facts: {
      account: entry.account,
      entryRef: entry.entryRef,
      bookingDate: entry.bookingDate,
      valueDate: entry.valueDate,
      remittanceText: entry.remittanceText,
      // one shape for every entry; what is undefined is left out of the stored JSON
      debtorName: entry.debtorName || void 0,
      debtorIban: entry.debtorIban || void 0,
      endToEndId: entry.endToEndId || void 0,
      typoCandidate: reference2.kind === "typo" ? reference2.candidate : void 0,
      quoted: reference2.kind === "typo" ? reference2.quoted : void 0,
      orderIds: reference2.kind === "ambiguous" ? reference2.orderIds : void 0
    }
  };
}
function ignoredReason(entry) {
  const reason = ignoredBecause(entry);
  return reason && encodeImportReason(reason);
}
function ignoredBecause(entry) {
  if (entry.status !== "BOOK") return { code: "not_booked", detail: entry.status || "none" };
  if (entry.currency !== "EUR") return { code: "currency", detail: entry.currency || "none" };
  if (entry.amountCents <= 0) return { code: "no_amount" };
  if (entry.reversal && entry.creditDebit === "CRDT") return { code: "reversal_of_debit" };
  if (!entry.reversal && entry.creditDebit === "DBIT") return { code: "debit" };
  if (entry.amountCents > MAX_PAYMENT_CENTS) return { code: "amount_too_large" };
  return null;
}
function paymentReference(entry, occurrences = /* @__PURE__ */ new Map()) {
  if (entry.bankRef) return `${entry.account}/${entry.bankRef}`;
  const digest = createHash("sha256").update(
    JSON.stringify([entry.account, entry.bookingDate, entry.valueDate, entry.amountCents, entry.creditDebit, entry.reversal, entry.remittanceText, entry.debtorName ?? null, entry.endToEndId ?? null])
  ).digest("hex").slice(0, 32);
  const n2 = (occurrences.get(digest) ?? 0) + 1;
  occurrences.set(digest, n2);
  return `${entry.account}/#${digest}-${n2}`;
}
function quotedOrderRef(entry, reference2) {
  if (reference2.kind === "match") return reference2.orderId;
  const text8 = entry.remittanceText.slice(0, 500);
  return parseOrderId(text8) === null ? text8 : `?${text8}`;
}
function unknownReason(reference2) {
  return encodeImportReason(unknownOrderReason(reference2));
}
function unknownOrderReason(reference2) {
  switch (reference2.kind) {
    case "match":
      return { code: "unknown_order", detail: formatOrderId(reference2.orderId) };
    case "typo":
      return { code: "probable_typo", detail: formatOrderId(reference2.candidate) };
    case "ambiguous":
      return { code: "several_order_ids", detail: reference2.orderIds.map(formatOrderId).join(",") };
    case "none":
      return { code: "no_order_id" };
  }
}

// src/payments/imports/queries.ts
import { sql as sql4 } from "drizzle-orm";
var IMPORT_COLUMNS = sql4`id, digest, format, file_name AS "fileName", actor, entries, settled, registered, held, duplicates, ignored,
  staged_at AS "stagedAt", settled_at AS "settledAt"`;
async function findImport(db, id) {
  const [row] = await queryRows(db, sql4`SELECT ${IMPORT_COLUMNS} FROM statement_imports WHERE id = ${id}`);
  return row && withDates(row);
}
async function findImportByDigest(db, digest) {
  const [row] = await queryRows(db, sql4`SELECT ${IMPORT_COLUMNS} FROM statement_imports WHERE digest = ${digest}`);
  return row && withDates(row);
}
async function insertImport(tx, file) {
  const [row] = await queryRows(
    tx,
    sql4`INSERT INTO statement_imports (digest, format, file_name, actor, entries, staged_at)
        VALUES (${file.digest}, ${file.format}, ${file.fileName}, ${file.actor}, 0, ${file.stagedAt}::timestamptz)
        ON CONFLICT (digest) DO NOTHING RETURNING id`
  );
  return row?.id;
}
async function insertEntries(tx, importId, position, entries) {
  const rows = entries.map((e) => [e.kind, e.entryRef, e.amountCents, e.method ?? null, e.reference ?? null, e.orderRef ?? null, e.orderId ?? null, e.note ?? null, e.facts ?? null]);
  await tx.execute(
    sql4`INSERT INTO statement_entries (import_id, position, kind, entry_ref, amount_cents, method, reference, order_ref, order_id, note, facts)
        SELECT ${importId}::bigint, ${position}::int + v.n::int - 1, v.e ->> 0, v.e ->> 1, (v.e ->> 2)::bigint, v.e ->> 3, v.e ->> 4,
               v.e ->> 5, v.e ->> 6, v.e ->> 7, nullif(v.e -> 8, 'null'::jsonb)
          FROM jsonb_array_elements(${JSON.stringify(rows)}::jsonb) WITH ORDINALITY AS v(e, n)`
  );
}
async function finishStaging(tx, importId, entries, now) {
  await tx.execute(sql4`UPDATE statement_imports SET entries = ${entries}, settled_at = CASE WHEN ${entries}::int = 0 THEN ${now}::timestamptz END
                        WHERE id = ${importId}`);
}
async function lockNextEntries(tx, importId, limit) {
  const [first] = await queryRows(
    tx,
    sql4`WITH locked AS (SELECT ${IMPORT_COLUMNS} FROM statement_imports WHERE id = ${importId} FOR UPDATE)
        SELECT l.*, (
          SELECT json_agg(json_build_array(position, kind, amount_cents, method, reference, order_ref, order_id, note,
                                           CASE WHEN kind = 'reversal' THEN facts END) ORDER BY position)
            FROM statement_entries
           WHERE import_id = l.id AND position >= l.settled AND position < l.settled + ${limit}) AS next
          FROM locked l`
  );
  const { next, ...row } = first;
  const tuples = typeof next === "string" ? JSON.parse(next) : next ?? [];
  const entries = tuples.map(([position, kind, amountCents, method, reference2, orderRef, orderId, note, facts]) => ({
    position,
    kind,
    amountCents,
    method,
    reference: reference2,
    orderRef,
    orderId,
    note,
    facts
  }));
  return { row: withDates(row), entries };
}
function recordBatchSql(row, results, now) {
  const count = (outcome) => results.filter((r) => r[0] === outcome).length;
  const settled = row.settled + results.length;
  return [
    sql4`INSERT INTO statement_batches (import_id, first_position, count, results, settled_at)
        VALUES (${row.id}, ${row.settled}, ${results.length}, ${JSON.stringify(results)}::jsonb, ${now}::timestamptz)`,
    sql4`UPDATE statement_imports SET settled = ${settled}, registered = registered + ${count("registered")}, held = held + ${count("held")},
           duplicates = duplicates + ${count("duplicate")}, ignored = ignored + ${count("ignored")},
           settled_at = ${settled >= row.entries ? now : null}::timestamptz
     WHERE id = ${row.id}`
  ];
}
async function readEntriesWithResults(db, importId, withFacts) {
  const entries = await queryRows(
    db,
    sql4`SELECT kind, entry_ref AS "entryRef", amount_cents AS "amountCents", ${withFacts ? sql4`facts` : sql4`NULL::jsonb`} AS facts
          FROM statement_entries WHERE import_id = ${importId} ORDER BY position`
  );
  const batches = await queryRows(
    db,
    sql4`SELECT first_position AS first, results FROM statement_batches WHERE import_id = ${importId} ORDER BY first_position`
  );
  return { entries, batches };
}
function withDates(row) {
  return { ...row, stagedAt: new Date(row.stagedAt), settledAt: row.settledAt ? new Date(row.settledAt) : null };
}

// src/payments/imports/report.ts
function reportRun(entries, batches, settledByRun, present) {
  const report = { entries: entries.length, registered: 0, held: 0, duplicates: 0, ignored: 0, results: [] };
  for (const batch of batches) {
    const ours = settledByRun.has(batch.first);
    batch.results.forEach(([outcome, reason, orderId], i) => {
      const entry = entries[batch.first + i];
      const result = ours || entry.kind === "ignored" ? { entryRef: entry.entryRef, amountCents: entry.amountCents, orderId, outcome, reason } : { entryRef: entry.entryRef, amountCents: entry.amountCents, orderId, outcome: "ignored", reason: encodeImportReason({ code: "already_imported" }) };
      if (result.outcome === "registered") report.registered++;
      else if (result.outcome === "held") report.held++;
      else if (result.outcome === "duplicate") report.duplicates++;
      else report.ignored++;
      report.results.push(present(entry, result));
    });
  }
  return report;
}

// src/flows/imports/report-import.ts
async function reportImport(db, importId, settledByRun) {
  const row = await findImport(db, importId);
  const slips = row.format === "poste";
  const { entries, batches } = await readEntriesWithResults(db, importId, slips);
  const ours = settledByRun ?? new Set(batches.map((b) => b.first));
  if (!slips) return reportRun(entries, batches, ours, (_entry, result) => result);
  return reportRun(entries, batches, ours, (entry, result) => {
    const { line, documentType, paidOn } = entry.facts.poste;
    return { ...result, line, documentType, paidOn };
  });
}

// src/db/audit.ts
import { sql as sql5 } from "drizzle-orm";
async function audit(tx, entry) {
  await tx.insert(auditLog).values(entry);
}
var COLUMNS = sql5`INSERT INTO audit_log (at, actor, action, mailbox_id, order_id, payment_id, reason, data)`;
function insertAuditRowsSql(stamp, ...parts) {
  const selects = parts.map(
    (p) => sql5`(SELECT ${stamp.at}::timestamptz, ${p.actor ?? stamp.actor}::text, ${p.action}::text, ${p.mailboxId ?? sql5`NULL`}::bigint,
                      ${p.orderId ?? sql5`NULL`}::text, ${p.paymentId ?? sql5`NULL`}::bigint, ${p.reason ?? null}::text, ${p.data ?? sql5`NULL`}::jsonb
                 FROM ${p.from})`
  );
  return sql5`${COLUMNS} ${sql5.join(selects, sql5` UNION ALL `)}`;
}

// src/notifications/outbox.ts
import { sql as sql6 } from "drizzle-orm";

// src/notifications/schema.ts
import { bigint as bigint3, index as index2, integer as integer2, jsonb as jsonb2, pgTable as pgTable3, text as text3, timestamp as timestamp3 } from "drizzle-orm/pg-core";
var outbox = pgTable3(
  "outbox",
  {
    id: bigint3("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    template: text3("template").notNull(),
    language: text3("language", { enum: ["it", "en"] }).notNull(),
    recipient: text3("recipient").notNull(),
    params: jsonb2("params").notNull(),
    mailboxId: bigint3("mailbox_id", { mode: "number" }),
    orderId: text3("order_id"),
    status: text3("status", { enum: ["pending", "sent", "failed"] }).notNull().default("pending"),
    attempts: integer2("attempts").notNull().default(0),
    nextAttemptAt: timestamp3("next_attempt_at", { withTimezone: true }).notNull(),
    lastError: text3("last_error"),
    messageId: text3("message_id"),
    createdAt: timestamp3("created_at", { withTimezone: true }).notNull(),
    sentAt: timestamp3("sent_at", { withTimezone: true })
  },
  (t) => [
    index2("outbox_due").on(t.status, t.nextAttemptAt),
    // the back office's mailbox and order pages list the mail each was sent (issue 11)
    index2("outbox_mailbox").on(t.mailboxId),
    index2("outbox_order").on(t.orderId)
  ]
);

// src/notifications/outbox.ts
async function enqueueMail(tx, mail, now) {
  const [row] = await tx.insert(outbox).values({ ...mail, params: mail.params, nextAttemptAt: now, createdAt: now }).returning({ id: outbox.id });
  return row.id;
}
var COLUMNS2 = sql6`INSERT INTO outbox (template, language, recipient, params, mailbox_id, order_id, next_attempt_at, created_at)`;
function mailParamsSql(_template, params) {
  const pairs = Object.entries(params).map(([key, value]) => sql6`${key}::text, ${value}`);
  return sql6`jsonb_build_object(${sql6.join(pairs, sql6`, `)})`;
}
function enqueueMailRowsSql(mail, now) {
  return sql6`${COLUMNS2}
    SELECT ${mail.template}::text, ${mail.language}, ${mail.recipient}, ${mailParamsSql(mail.template, mail.params)},
           ${mail.mailboxId ?? sql6`NULL`}::bigint, ${mail.orderId ?? sql6`NULL`}::text, ${now}::timestamptz, ${now}::timestamptz
      FROM ${mail.from}`;
}

// src/accounts/queries.ts
import { eq as eq2, inArray, isNotNull, sql as sql8 } from "drizzle-orm";

// src/accounts/schema.ts
import { sql as sql7 } from "drizzle-orm";
import { bigint as bigint4, date as date3, index as index3, integer as integer3, pgTable as pgTable4, primaryKey as primaryKey3, text as text4, timestamp as timestamp4 } from "drizzle-orm/pg-core";

// src/core/vocabulary.ts
var PAYMENT_METHODS = ["card", "paypal", "bollettino", "bonifico"];
var REGISTERS = ["none", "registro_imprese", "ini_pec"];

// src/accounts/schema.ts
var accounts = pgTable4(
  "accounts",
  {
    id: text4("id").primaryKey(),
    // the customer account ID the holder signs in with
    firstName: text4("first_name").notNull(),
    lastName: text4("last_name").notNull(),
    fiscalCode: text4("fiscal_code").notNull(),
    // codice fiscale
    referenceEmail: text4("reference_email").notNull(),
    language: text4("language", { enum: ["it", "en"] }).notNull().default("it"),
    passwordHash: text4("password_hash"),
    createdAt: timestamp4("created_at", { withTimezone: true }).notNull(),
    updatedAt: timestamp4("updated_at", { withTimezone: true }).notNull()
  },
  (t) => [
    // The back office's search box (issue 11): a codice fiscale or partita IVA, exactly; a reference
    // e-mail, exactly; a name by the first letters of the first name, of the surname, or of the second
    // or third word of a compound surname (De Luca, De La Cruz): each served by its index at any size.
    index3("accounts_fiscal_code").on(t.fiscalCode),
    index3("accounts_reference_email").on(sql7`lower(${t.referenceEmail})`),
    index3("accounts_first_name_prefix").using("btree", sql7`lower(${t.firstName}) text_pattern_ops`),
    index3("accounts_last_name_prefix").using("btree", sql7`lower(${t.lastName}) text_pattern_ops`),
    index3("accounts_last_name_word_2").using("btree", sql7`lower(split_part(${t.lastName}, ' ', 2)) text_pattern_ops`).where(sql7`${t.lastName} LIKE '% %'`),
    index3("accounts_last_name_word_3").using("btree", sql7`lower(split_part(${t.lastName}, ' ', 3)) text_pattern_ops`).where(sql7`${t.lastName} LIKE '% % %'`)
  ]
);
var MAILBOX_STATUSES = ["active", "deactivated", "ceased"];
var mailboxes = pgTable4(
  "mailboxes",
  {
    id: bigint4("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    address: text4("address").notNull().unique(),
    // lower case
    accountId: text4("account_id").notNull().references(() => accounts.id),
    conventionCode: text4("convention_code").notNull().references(() => conventions.code),
    activatedOn: date3("activated_on", { mode: "string" }).$type().notNull(),
    expiresOn: date3("expires_on", { mode: "string" }).$type().notNull(),
    // E (R1): works through the whole day
    status: text4("status", { enum: MAILBOX_STATUSES }).notNull().default("active"),
    register: text4("register", { enum: REGISTERS }).notNull().default("none"),
    // R7
    passwordHash: text4("password_hash"),
    deactivatedOn: date3("deactivated_on", { mode: "string" }).$type(),
    ceasedOn: date3("ceased_on", { mode: "string" }).$type(),
    // R2: E − offset of the latest reminder recorded (sent or skipped) for this mailbox. A reminder is
    // due when E − (nearest due offset) is later; as E moves forward at renewal this needs no reset.
    // '-infinity' when none, so the due test is a plain range on the index below.
    lastReminderDueOn: date3("last_reminder_due_on", { mode: "string" }).notNull().default(sql7`'-infinity'::date`),
    updatedAt: timestamp4("updated_at", { withTimezone: true }).notNull()
  },
  (t) => [
    index3("mailboxes_account").on(t.accountId),
    index3("mailboxes_status_expiry").on(t.status, t.expiresOn, t.id),
    index3("mailboxes_reminder_due").on(t.expiresOn, t.lastReminderDueOn).where(sql7`status = 'active'`),
    // the search box: an address by its first letters (the unique index cannot serve LIKE 'x%' outside the C collation)
    index3("mailboxes_address_prefix").using("btree", sql7`${t.address} text_pattern_ops`)
  ]
);
var webSessions = pgTable4(
  "web_sessions",
  {
    tokenHash: text4("token_hash").primaryKey(),
    accountId: text4("account_id").notNull().references(() => accounts.id),
    /** account:ID sees all the account's mailboxes; mailbox:ADDRESS (mailbox password) sees that mailbox only. */
    signedInWith: text4("signed_in_with").notNull(),
    language: text4("language", { enum: ["it", "en"] }).notNull().default("it"),
    createdAt: timestamp4("created_at", { withTimezone: true }).notNull(),
    lastSeenAt: timestamp4("last_seen_at", { withTimezone: true }).notNull(),
    expiresAt: timestamp4("expires_at", { withTimezone: true }).notNull()
  },
  (t) => [index3("web_sessions_account").on(t.accountId), index3("web_sessions_expiry").on(t.expiresAt)]
);
function signInFailureTables(prefix) {
  return {
    /** Per identifier, across every client: the ceiling only a distributed attack reaches. */
    identifiers: pgTable4(`${prefix}sign_in_failures`, {
      identifier: text4("identifier").primaryKey(),
      failures: integer3("failures").notNull(),
      windowStartedAt: timestamp4("window_started_at", { withTimezone: true }).notNull()
    }),
    /** Per identifier and client (IP address, IPv6 by /64): the growing wait between attempts. */
    clients: pgTable4(
      `${prefix}sign_in_client_failures`,
      {
        identifier: text4("identifier").notNull(),
        client: text4("client").notNull(),
        failures: integer3("failures").notNull(),
        lastFailureAt: timestamp4("last_failure_at", { withTimezone: true }).notNull()
      },
      (t) => [primaryKey3({ columns: [t.identifier, t.client] }), index3(`${prefix}sign_in_client_failures_last`).on(t.lastFailureAt)]
    )
  };
}
var holderSignInGuard = signInFailureTables("");
var signInFailures = holderSignInGuard.identifiers;
var signInClientFailures = holderSignInGuard.clients;
var passwordResetRequests = pgTable4("password_reset_requests", {
  id: bigint4("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
  identifier: text4("identifier").notNull(),
  // normalised, as typed: it may match nothing
  ip: text4("ip").notNull(),
  requestedAt: timestamp4("requested_at", { withTimezone: true }).notNull()
});
var passwordResets = pgTable4("password_resets", {
  tokenHash: text4("token_hash").primaryKey(),
  accountId: text4("account_id").notNull().references(() => accounts.id),
  createdAt: timestamp4("created_at", { withTimezone: true }).notNull(),
  expiresAt: timestamp4("expires_at", { withTimezone: true }).notNull(),
  usedAt: timestamp4("used_at", { withTimezone: true })
});

// src/accounts/queries.ts
function holderNameSql(a) {
  return sql8`${a}.first_name || ' ' || ${a}.last_name`;
}
async function renewMailbox(tx, mailboxId, renewal) {
  await tx.update(mailboxes).set({
    expiresOn: renewal.expiresOn,
    updatedAt: renewal.now,
    ...renewal.reactivate ? { status: "active", deactivatedOn: null } : {}
  }).where(eq2(mailboxes.id, mailboxId));
}
function renewMailboxesSql(renewed, now) {
  return sql8`UPDATE mailboxes m SET expires_on = v."expiresOn", updated_at = ${now}::timestamptz,
         status = CASE WHEN v.reactivate THEN 'active' ELSE m.status END,
         deactivated_on = CASE WHEN v.reactivate THEN NULL ELSE m.deactivated_on END
      FROM jsonb_to_recordset(${JSON.stringify(renewed)}::jsonb) AS v(id bigint, "expiresOn" date, reactivate boolean)
     WHERE m.id = v.id`;
}

// src/renewals/queries.ts
import { and as and3, asc as asc3, eq as eq4, sql as sql11 } from "drizzle-orm";

// src/accounts/holder-mailboxes.ts
import { and as and2, asc as asc2, eq as eq3, sql as sql9 } from "drizzle-orm";
var VISIBLE_TO_PLACEHOLDERS = sql9`${mailboxes.accountId} = ${sql9.placeholder("accountId")}
  and (${sql9.placeholder("onlyAddress")}::text is null or ${mailboxes.address} = ${sql9.placeholder("onlyAddress")})`;

// src/renewals/schema.ts
import { sql as sql10 } from "drizzle-orm";
import { bigint as bigint5, check, date as date4, index as index4, integer as integer4, jsonb as jsonb3, pgTable as pgTable5, primaryKey as primaryKey4, text as text5, timestamp as timestamp5, uniqueIndex } from "drizzle-orm/pg-core";
var ORDER_STATUSES = ["open", "paid", "lapsed", "cancelled"];
var orders = pgTable5(
  "orders",
  {
    id: text5("id").$type().primaryKey(),
    // OrderId, compact form with check digits
    mailboxId: bigint5("mailbox_id", { mode: "number" }).notNull().references(() => mailboxes.id),
    accountId: text5("account_id").notNull().references(() => accounts.id),
    status: text5("status", { enum: ORDER_STATUSES }).notNull().default("open"),
    years: integer4("years").notNull(),
    netCents: integer4("net_cents").notNull(),
    vatCents: integer4("vat_cents").notNull(),
    totalCents: integer4("total_cents").notNull(),
    method: text5("method", { enum: PAYMENT_METHODS }).notNull(),
    billing: jsonb3("billing").$type().notNull(),
    // snapshot at order time
    acceptedContracts: jsonb3("accepted_contracts").$type().notNull().default([]),
    // versions, time, IP, user agent
    placedBy: text5("placed_by").notNull(),
    // actor: holder:ID or operator:NAME
    placedAt: timestamp5("placed_at", { withTimezone: true }).notNull(),
    placedOn: date4("placed_on", { mode: "string" }).$type().notNull(),
    paidAt: timestamp5("paid_at", { withTimezone: true }),
    extendedFrom: date4("extended_from", { mode: "string" }).$type(),
    // R4/R6: the date the renewal counted from
    newExpiresOn: date4("new_expires_on", { mode: "string" }).$type()
  },
  (t) => [
    // R3: at most one open order per mailbox, enforced by the database
    uniqueIndex("orders_one_open_per_mailbox").on(t.mailboxId).where(sql10`status = 'open'`),
    index4("orders_account").on(t.accountId),
    check("orders_total", sql10`${t.totalCents} = ${t.netCents} + ${t.vatCents}`)
  ]
);
var billingProfiles = pgTable5("billing_profiles", {
  accountId: text5("account_id").primaryKey().references(() => accounts.id),
  billing: jsonb3("billing").$type().notNull(),
  orderId: text5("order_id").notNull(),
  // the order that confirmed it
  updatedAt: timestamp5("updated_at", { withTimezone: true }).notNull()
});
var renewalDrafts = pgTable5(
  "renewal_drafts",
  {
    accountId: text5("account_id").notNull().references(() => accounts.id),
    mailboxId: bigint5("mailbox_id", { mode: "number" }).notNull().references(() => mailboxes.id),
    years: integer4("years"),
    acceptedContracts: jsonb3("accepted_contracts").$type(),
    billing: jsonb3("billing").$type(),
    method: text5("method", { enum: PAYMENT_METHODS }),
    updatedAt: timestamp5("updated_at", { withTimezone: true }).notNull()
  },
  (t) => [primaryKey4({ columns: [t.accountId, t.mailboxId] })]
);
var EXTENSION_STATUSES = ["pending", "approved", "rejected"];
var expiryExtensions = pgTable5(
  "expiry_extensions",
  {
    id: bigint5("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    mailboxId: bigint5("mailbox_id", { mode: "number" }).notNull().references(() => mailboxes.id),
    days: integer4("days").notNull(),
    reason: text5("reason").notNull(),
    status: text5("status", { enum: EXTENSION_STATUSES }).notNull(),
    requestedBy: text5("requested_by").notNull(),
    // operator:NAME
    requestedAt: timestamp5("requested_at", { withTimezone: true }).notNull(),
    decidedBy: text5("decided_by"),
    decidedAt: timestamp5("decided_at", { withTimezone: true }),
    decisionReason: text5("decision_reason"),
    /** The expiry before and after, once applied. */
    fromExpiresOn: date4("from_expires_on", { mode: "string" }).$type(),
    toExpiresOn: date4("to_expires_on", { mode: "string" }).$type()
  },
  (t) => [index4("expiry_extensions_pending").on(t.requestedAt).where(sql10`status = 'pending'`), index4("expiry_extensions_mailbox").on(t.mailboxId), check("expiry_extensions_days", sql10`${t.days} > 0`)]
);

// src/renewals/queries.ts
function asMailbox(row) {
  return row;
}
async function findMailbox(db, mailboxId) {
  const [row] = await db.select().from(mailboxes).where(eq4(mailboxes.id, mailboxId));
  return row && asMailbox(row);
}
async function lockMailbox(tx, mailboxId) {
  const [row] = await tx.select().from(mailboxes).where(eq4(mailboxes.id, mailboxId)).for("update");
  return row && asMailbox(row);
}
async function findAccount(db, accountId) {
  const [row] = await db.select().from(accounts).where(eq4(accounts.id, accountId));
  return row;
}
async function findOrder(db, orderId) {
  const [row] = await db.select().from(orders).where(eq4(orders.id, orderId));
  return row;
}
async function lockOrder(tx, orderId) {
  const [row] = await tx.select().from(orders).where(eq4(orders.id, orderId)).for("update");
  return row;
}
async function findOpenOrder(db, mailboxId) {
  const [row] = await db.select().from(orders).where(and3(eq4(orders.mailboxId, mailboxId), eq4(orders.status, "open")));
  return row;
}
function markOrdersPaidSql(paid, paidAt) {
  return sql11`UPDATE orders o SET status = 'paid', paid_at = ${paidAt}::timestamptz, extended_from = v."extendedFrom", new_expires_on = v."newExpiresOn"
      FROM jsonb_to_recordset(${JSON.stringify(paid)}::jsonb) AS v(id text, "extendedFrom" date, "newExpiresOn" date)
     WHERE o.id = v.id`;
}
function uniqueViolation(error) {
  for (let e = error; e; ) {
    if (e.code === "23505") return e.constraint ?? /constraint "([^"]+)"/.exec(e.message ?? "")?.[1] ?? "";
    e = e.cause;
  }
  return null;
}
function contractsInForce(today2) {
  return sql11`select distinct on (d.code) d.code, d.title_it as "titleIt", d.title_en as "titleEn", d.onerous,
                    v.version, v.effective_from::text as "effectiveFrom"
               from ${contractDocuments} d join ${contractVersions} v on v.document_code = d.code
              where v.effective_from <= ${today2}
              order by d.code, v.effective_from desc, v.id desc`;
}
var wizardFactsQuery = preparedPerDatabase(
  (db) => db.select({
    mailbox: mailboxes,
    account: accounts,
    convention: conventions,
    draft: renewalDrafts,
    openOrderId: orders.id,
    // issue 11: the price of each duration in force today (the latest effective on or before it)
    prices: sql11`(select coalesce(json_agg(json_build_object('conventionCode', p.convention_code, 'years', p.years,
                                 'netCents', p.net_cents, 'vatBasisPoints', p.vat_basis_points, 'isDemo', p.is_demo,
                                 'effectiveFrom', p.effective_from::text) order by p.years), '[]')
                              from (select distinct on (years) * from ${prices}
                                     where convention_code = ${mailboxes.conventionCode} and effective_from <= ${sql11.placeholder("today")}
                                     order by years, effective_from desc) p)`,
    contracts: sql11`(select coalesce(json_agg(c), '[]') from (${contractsInForce(sql11.placeholder("today"))}) c)`
  }).from(mailboxes).innerJoin(accounts, eq4(accounts.id, mailboxes.accountId)).innerJoin(conventions, eq4(conventions.code, mailboxes.conventionCode)).leftJoin(renewalDrafts, and3(eq4(renewalDrafts.accountId, mailboxes.accountId), eq4(renewalDrafts.mailboxId, mailboxes.id))).leftJoin(orders, and3(eq4(orders.mailboxId, mailboxes.id), eq4(orders.status, "open"))).where(and3(eq4(mailboxes.id, sql11.placeholder("mailboxId")), VISIBLE_TO_PLACEHOLDERS)).prepare("wizard_facts")
);
var renewalStatesQuery = preparedPerDatabase(
  (db) => db.select({
    mailbox: { id: mailboxes.id, address: mailboxes.address, status: mailboxes.status, expiresOn: mailboxes.expiresOn, register: mailboxes.register },
    renewableWindowDays: conventions.renewableWindowDays,
    openOrder: orders,
    draftMailboxId: renewalDrafts.mailboxId
  }).from(mailboxes).innerJoin(conventions, eq4(conventions.code, mailboxes.conventionCode)).leftJoin(orders, and3(eq4(orders.mailboxId, mailboxes.id), eq4(orders.status, "open"))).leftJoin(renewalDrafts, and3(eq4(renewalDrafts.mailboxId, mailboxes.id), eq4(renewalDrafts.accountId, mailboxes.accountId))).where(VISIBLE_TO_PLACEHOLDERS).orderBy(asc3(mailboxes.expiresOn), asc3(mailboxes.address)).prepare("mailbox_renewal_states")
);

// src/core/money.ts
var EURO_FORMATS = {
  it: new Intl.NumberFormat("it-IT", { style: "currency", currency: "EUR" }),
  en: new Intl.NumberFormat("en-IE", { style: "currency", currency: "EUR" })
};

// src/renewals/rules.ts
function renewableUntil(expiresOn, renewableWindowDays) {
  return addDays(expiresOn, renewableWindowDays);
}
function isRenewable(mailbox, convention, today2) {
  if (mailbox.status === "ceased") return false;
  return compareDates(today2, renewableUntil(mailbox.expiresOn, convention.renewableWindowDays)) <= 0;
}
function renewalBase(mailbox, convention, paymentDate) {
  const late = compareDates(paymentDate, mailbox.expiresOn) > 0;
  return late && convention.lateRenewalFrom === "payment" ? paymentDate : mailbox.expiresOn;
}
function extendedExpiry(base, years) {
  return addYears(base, years);
}
function settle(order, mailbox, amountCents, convention, paymentDate, options = {}) {
  if (order.status === "paid") return { kind: "duplicate" };
  if (order.status === "lapsed" || order.status === "cancelled") return { kind: "held", reason: "order_lapsed", refundDue: true };
  if (!isRenewable(mailbox, convention, paymentDate)) return { kind: "held", reason: "mailbox_ceased", refundDue: true };
  const shortfallAccepted = options.acceptShortfall === true && amountCents < order.totalCents;
  if (amountCents !== order.totalCents && !shortfallAccepted) return { kind: "held", reason: "amount_mismatch", refundDue: false };
  const extendsFrom = renewalBase(mailbox, convention, paymentDate);
  return {
    kind: "paid",
    extendsFrom,
    newExpiresOn: extendedExpiry(extendsFrom, order.years),
    reactivates: mailbox.status === "deactivated"
  };
}
var PAYMENT_TRANSIT_DAYS = { card: 0, paypal: 0, bonifico: 3, bollettino: 5 };
function payBy(deadline, method) {
  return addDays(deadline, -PAYMENT_TRANSIT_DAYS[method]);
}
function openOrderFacts(order, mailbox, convention) {
  const deadline = mailbox.status === "deactivated" ? renewableUntil(mailbox.expiresOn, convention.renewableWindowDays) : mailbox.expiresOn;
  return { orderId: order.id, totalCents: order.totalCents, method: order.method, payBy: payBy(deadline, order.method) };
}

// src/payments/queries.ts
import { and as and4, asc as asc4, eq as eq5, sql as sql13 } from "drizzle-orm";

// src/payments/schema.ts
import { sql as sql12 } from "drizzle-orm";
import { bigint as bigint6, index as index5, integer as integer5, jsonb as jsonb4, pgTable as pgTable6, text as text6, timestamp as timestamp6, unique as unique3 } from "drizzle-orm/pg-core";
var PAYMENT_OUTCOMES = ["paid", "duplicate", "held", "unknownOrder"];
var PAYMENT_RESOLUTIONS = ["assigned", "not_ours"];
var payments = pgTable6(
  "payments",
  {
    id: bigint6("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    method: text6("method", { enum: PAYMENT_METHODS }).notNull(),
    reference: text6("reference").notNull(),
    // gateway transaction, bank entry or slip reference
    orderRef: text6("order_ref").notNull(),
    // the order ID as it was quoted
    orderId: text6("order_id").$type().references(() => orders.id),
    // null when no order matched
    amountCents: integer5("amount_cents").notNull(),
    outcome: text6("outcome", { enum: PAYMENT_OUTCOMES }).notNull(),
    reason: text6("reason"),
    // why held: amount_mismatch, mailbox_ceased, order_lapsed …
    refundStatus: text6("refund_status", { enum: ["none", "due", "refunded"] }).notNull().default("none"),
    source: text6("source").notNull(),
    // actor that registered it
    receivedAt: timestamp6("received_at", { withTimezone: true }).notNull(),
    raw: jsonb4("raw"),
    // an imported file's entry: its import and position, so the operator sees which file and line
    importId: bigint6("import_id", { mode: "number" }),
    importPosition: integer5("import_position"),
    /** A held or unmatched payment an operator decided on (issue 11): assigned to an order, or not ours (refund due). */
    resolution: text6("resolution", { enum: PAYMENT_RESOLUTIONS }),
    /** assigned: the payment its resolution registered through the settlement. */
    resolvedPaymentId: bigint6("resolved_payment_id", { mode: "number" }),
    /** The part of the amount due back when it is not all of it (an overpayment's difference); null: all of it. */
    refundCents: integer5("refund_cents")
  },
  (t) => [
    unique3("payments_method_reference").on(t.method, t.reference),
    index5("payments_order").on(t.orderId),
    // the two work queues stay small however many payments there are: partial indexes
    index5("payments_to_resolve").on(t.id).where(sql12`${t.outcome} in ('held', 'unknownOrder') and ${t.resolution} is null and ${t.refundStatus} <> 'refunded'`),
    index5("payments_refund_due").on(t.id).where(sql12`${t.refundStatus} = 'due'`),
    // a bank reversal finds its original by the payer's end-to-end id (findReversalOriginal)
    index5("payments_end_to_end").on(t.method, sql12`(${t.raw} ->> 'endToEndId')`).where(sql12`${t.raw} ->> 'endToEndId' is not null`),
    // the back office's search (issue 11): by the payer's IBAN (also where a refund goes back to),
    // and by a statement entry's own reference as the bank prints it (the key adds the account)
    index5("payments_debtor_iban").on(sql12`(${t.raw} ->> 'debtorIban')`).where(sql12`${t.raw} ->> 'debtorIban' is not null`),
    index5("payments_entry_ref").on(sql12`(${t.raw} ->> 'entryRef')`).where(sql12`${t.raw} ->> 'entryRef' is not null`)
  ]
);
var paymentNotes = pgTable6(
  "payment_notes",
  {
    id: bigint6("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    paymentId: bigint6("payment_id", { mode: "number" }).notNull().references(() => payments.id),
    actor: text6("actor").notNull(),
    note: text6("note").notNull(),
    at: timestamp6("at", { withTimezone: true }).notNull()
  },
  (t) => [index5("payment_notes_payment").on(t.paymentId)]
);

// src/payments/queries.ts
var PAYMENT_KEY_CONSTRAINT = "payments_method_reference";
function insertPaymentRowsSql(p, receivedAt) {
  return sql13`INSERT INTO payments (id, method, reference, order_ref, order_id, amount_cents, outcome, reason, refund_status, source, received_at, raw,
                        import_id, import_position)
    OVERRIDING SYSTEM VALUE
    SELECT ${p.id}, ${p.method}, ${p.reference}, ${p.orderRef}, ${p.orderId}, ${p.amountCents}, ${p.outcome}, ${p.reason}, ${p.refundStatus},
           ${p.source}, ${receivedAt}::timestamptz, ${p.raw}, ${p.importId}, ${p.importPosition}
      FROM ${p.from}`;
}
function stagedFactsSql(importId, position) {
  return sql13`(SELECT e.facts FROM statement_entries e WHERE e.import_id = ${importId} AND e.position = ${position})`;
}
function reservePaymentIdsSql(count) {
  return sql13`SELECT nextval(pg_get_serial_sequence('payments', 'id')) AS id FROM generate_series(1, ${count})`;
}
async function findPaymentByReference(db, method, reference2) {
  const [row] = await db.select().from(payments).where(and4(eq5(payments.method, method), eq5(payments.reference, reference2)));
  return row;
}
async function findPayment(db, paymentId) {
  const [row] = await db.select().from(payments).where(eq5(payments.id, paymentId));
  return row;
}

// src/payments/reversal-queries.ts
import { and as and5, desc as desc2, eq as eq6, inArray as inArray2, sql as sql14 } from "drizzle-orm";

// src/payments/reversal-schema.ts
import { bigint as bigint7, integer as integer6, jsonb as jsonb5, pgTable as pgTable7, text as text7, timestamp as timestamp7, unique as unique4 } from "drizzle-orm/pg-core";
var REVERSAL_OUTCOMES = ["unpaid", "refund_cancelled", "recorded", "held", "unmatched"];
var REVERSAL_REASONS = ["payment_not_found", "amount_mismatch", "already_refunded", "order_not_paid", "mailbox_expiry_changed", "another_open_order"];
var paymentReversals = pgTable7(
  "payment_reversals",
  {
    id: bigint7("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    method: text7("method", { enum: PAYMENT_METHODS }).notNull(),
    reference: text7("reference").notNull(),
    // the reversal's own reference (bank entry, gateway event)
    paymentId: bigint7("payment_id", { mode: "number" }).references(() => payments.id),
    // null when unmatched
    orderId: text7("order_id").$type(),
    amountCents: integer6("amount_cents").notNull(),
    outcome: text7("outcome", { enum: REVERSAL_OUTCOMES }).notNull(),
    reason: text7("reason", { enum: REVERSAL_REASONS }),
    source: text7("source").notNull(),
    receivedAt: timestamp7("received_at", { withTimezone: true }).notNull(),
    raw: jsonb5("raw")
  },
  (t) => [
    unique4("payment_reversals_method_reference").on(t.method, t.reference),
    unique4("payment_reversals_payment").on(t.paymentId)
  ]
);

// src/payments/reversal-queries.ts
async function findReversal(db, method, reference2) {
  const [row] = await db.select().from(paymentReversals).where(and5(eq6(paymentReversals.method, method), eq6(paymentReversals.reference, reference2)));
  return row;
}
async function findReversalOfPayment(db, paymentId) {
  const [row] = await db.select().from(paymentReversals).where(eq6(paymentReversals.paymentId, paymentId));
  return row;
}
async function insertReversalOnce(tx, reversal) {
  const [row] = await tx.insert(paymentReversals).values(reversal).onConflictDoNothing().returning({ id: paymentReversals.id });
  return row?.id;
}
async function lockPayment(tx, paymentId) {
  const [row] = await tx.select().from(payments).where(eq6(payments.id, paymentId)).for("update");
  return row;
}
async function tryLockForReversal(tx, payment) {
  const assigned = payment.resolution === "assigned" ? payment.resolvedPaymentId : null;
  const [row] = await queryRows(
    tx,
    sql14`WITH target AS (
          SELECT coalesce((SELECT r.order_id FROM payments r WHERE r.id = ${assigned}::bigint), ${payment.orderId}::text) AS order_id
        ),
        mailbox AS (
          SELECT m.id FROM mailboxes m WHERE m.id = (SELECT o.mailbox_id FROM orders o WHERE o.id = (SELECT order_id FROM target)) FOR UPDATE SKIP LOCKED
        ),
        "order" AS (SELECT o.id FROM orders o WHERE o.id = (SELECT order_id FROM target) AND EXISTS (SELECT 1 FROM mailbox) FOR UPDATE SKIP LOCKED),
        payment AS (SELECT p.id FROM payments p WHERE p.id IN (${payment.id}::bigint, ${assigned}::bigint) FOR UPDATE SKIP LOCKED)
        SELECT ((SELECT order_id FROM target) IS NULL OR EXISTS (SELECT 1 FROM "order"))
               AND (SELECT count(*) FROM payment) = ${assigned === null ? 1 : 2}::int AS locked`
  );
  return row.locked;
}
async function markPaymentReversed(tx, paymentId, outcome) {
  await tx.update(payments).set({ outcome: outcome.outcome, reason: "reversed", refundStatus: "none" }).where(eq6(payments.id, paymentId));
}
async function reopenOrder(tx, orderId) {
  await tx.update(orders).set({ status: "open", paidAt: null, extendedFrom: null, newExpiresOn: null }).where(eq6(orders.id, orderId));
}
async function expiryBeforeRenewal(db, orderId) {
  const [row] = await db.select({ data: auditLog.data }).from(auditLog).where(and5(eq6(auditLog.orderId, orderId), inArray2(auditLog.action, ["payment.paid", "mailbox.renewed"]), sql14`${auditLog.data} ->> 'from' IS NOT NULL`)).orderBy(desc2(auditLog.id)).limit(1);
  const from = row?.data?.from;
  return from && isCalendarDate(from) ? from : void 0;
}
async function findReversalOriginal(db, search) {
  const notReversed = sql14`NOT EXISTS (SELECT 1 FROM payment_reversals r WHERE r.payment_id = p.id)`;
  const preference = sql14`ORDER BY CASE p.outcome WHEN 'duplicate' THEN 0 WHEN 'held' THEN 1 WHEN 'unknownOrder' THEN 2 ELSE 3 END, p.id DESC LIMIT 1`;
  const attempts = [
    search.sameReference ? sql14`p.reference = ${search.sameReference}` : null,
    search.endToEndId ? sql14`p.raw ->> 'endToEndId' = ${search.endToEndId} AND p.raw ->> 'account' = ${search.account} AND p.amount_cents = ${search.amountCents}` : null,
    search.orderId ? sql14`p.order_id = ${search.orderId} AND p.amount_cents = ${search.amountCents}` : null,
    !search.orderId && search.orderRef ? sql14`p.order_id IS NULL AND p.order_ref = ${search.orderRef} AND p.amount_cents = ${search.amountCents}` : null
  ];
  for (const condition of attempts) {
    if (!condition) continue;
    const [row] = await queryRows(
      db,
      sql14`SELECT p.id FROM payments p WHERE p.method = ${search.method} AND ${condition} AND ${notReversed} ${preference}`
    );
    if (row) {
      const [payment] = await db.select().from(payments).where(eq6(payments.id, row.id));
      return payment;
    }
  }
  return void 0;
}

// src/invoicing/config.ts
import { stdnum } from "stdnum";
var DEFAULT_SERIES = "PEC";
function invoiceNumber(year, number, series) {
  return `${year}/${String(number).padStart(6, "0")}${series ? `/${series}` : ""}`;
}

// src/invoicing/issue.ts
import { sql as sql15 } from "drizzle-orm";
function issueInvoicesSql(paid, issue) {
  const year = Number(issue.issuedOn.slice(0, 4));
  const series = issue.series ?? DEFAULT_SERIES;
  return [
    {
      name: "invoice_numbers",
      sql: sql15`INSERT INTO invoice_counters (year, series, last_number)
        SELECT ${year}::int, ${series}::text, count(*)::int FROM (${paid}) d HAVING count(*) > 0
        ON CONFLICT (year, series) DO UPDATE SET last_number = invoice_counters.last_number + excluded.last_number
        RETURNING last_number`
    },
    {
      name: "invoices_issued",
      sql: sql15`INSERT INTO invoices (kind, year, series, number, issued_on, order_id, payment_id, method, buyer, lines, net_cents, vat_cents, total_cents, state, created_at, updated_at)
        SELECT 'invoice', ${year}::int, ${series}::text, c.last_number - p.taken + p.rank, ${issue.issuedOn}::date, p."orderId", p.id, p.method, o.billing,
               jsonb_build_array(jsonb_build_object('mailbox', m.address, 'from', (p."extendedFrom" + 1)::text, 'to', p."newExpiresOn"::text, 'years', p.years, 'netCents', o.net_cents)),
               o.net_cents, o.vat_cents, o.total_cents, 'issued', ${issue.now}::timestamptz, ${issue.now}::timestamptz
          FROM (SELECT d.*, row_number() OVER (ORDER BY d.n)::int AS rank, count(*) OVER ()::int AS taken FROM (${paid}) d) p
          JOIN orders o ON o.id = p."orderId" JOIN mailboxes m ON m.id = p."mailboxId" CROSS JOIN invoice_numbers c
         ORDER BY p.rank`
    }
  ];
}
async function issueCreditNote(tx, paymentId, issue) {
  const year = Number(issue.issuedOn.slice(0, 4));
  const [row] = await queryRows(
    tx,
    sql15`WITH original AS (
          SELECT * FROM invoices WHERE payment_id = ${paymentId} AND kind = 'invoice'
        ),
        numbers AS (
          INSERT INTO invoice_counters (year, series, last_number) SELECT ${year}::int, series, 1 FROM original
          ON CONFLICT (year, series) DO UPDATE SET last_number = invoice_counters.last_number + 1
          RETURNING last_number, series
        )
        INSERT INTO invoices (kind, year, series, number, issued_on, order_id, payment_id, refers_to, method, buyer, lines, net_cents, vat_cents, total_cents, state, created_at, updated_at)
        SELECT 'credit_note', ${year}::int, n.series, n.last_number, ${issue.issuedOn}::date, o.order_id, o.payment_id, o.id, o.method, o.buyer, o.lines,
               o.net_cents, o.vat_cents, o.total_cents, 'issued', ${issue.now}::timestamptz, ${issue.now}::timestamptz
          FROM original o CROSS JOIN numbers n
        RETURNING id::int, number, year, series`
  );
  return row ?? null;
}

// src/payments/reverse-payment.ts
async function reversePaymentInTransaction(tx, input, now) {
  const reference2 = input.reference.trim();
  const reversalReference = (input.reversalReference ?? `reversal:${reference2}`).trim();
  const earlier = await findReversal(tx, input.method, reversalReference);
  if (earlier) return replay(tx, earlier);
  const found = await reversedPayment(tx, await findPaymentByReference(tx, input.method, reference2));
  const base = {
    method: input.method,
    reference: reversalReference,
    amountCents: input.amountCents ?? found?.amountCents ?? 0,
    source: input.actor,
    receivedAt: now,
    raw: input.raw ?? null
  };
  if (!found) {
    const reason = "payment_not_found";
    const reversalId2 = await insertReversalOnce(tx, { ...base, paymentId: null, orderId: null, outcome: "unmatched", reason });
    if (reversalId2 === void 0) return replay(tx, await findReversal(tx, input.method, reversalReference));
    await audit(tx, { actor: input.actor, at: now, action: "payment.reversal_unmatched", reason, data: { reference: reference2, reversalReference, amountCents: base.amountCents } });
    return { outcome: "unmatched", reason, reversalId: reversalId2, paymentId: null, orderId: null, expiresOn: null, replayed: false };
  }
  const assigned = found.resolution === "assigned" && found.resolvedPaymentId !== null ? await findPayment(tx, found.resolvedPaymentId) : void 0;
  const orderId = assigned ? assigned.orderId : found.orderId;
  const order = orderId ? await findOrder(tx, orderId) : void 0;
  const mailbox = order ? await lockMailbox(tx, order.mailboxId) : void 0;
  const lockedOrder = order ? await lockOrder(tx, order.id) : void 0;
  const payment = await lockPayment(tx, found.id);
  const registered = assigned ? await lockPayment(tx, assigned.id) : void 0;
  const prior = await findReversalOfPayment(tx, payment.id);
  if (prior) return replay(tx, prior);
  const decision = await decide(tx, payment, registered ?? payment, lockedOrder, mailbox, input.amountCents);
  const reversalId = await insertReversalOnce(tx, {
    ...base,
    paymentId: payment.id,
    orderId,
    outcome: decision.outcome,
    reason: decision.reason ?? null
  });
  if (reversalId === void 0) return replay(tx, await findReversal(tx, input.method, reversalReference));
  const log = {
    actor: input.actor,
    at: now,
    paymentId: payment.id,
    ...orderId ? { orderId } : {},
    ...mailbox ? { mailboxId: mailbox.id } : {}
  };
  const facts = {
    reference: reference2,
    reversalReference,
    amountCents: payment.amountCents,
    outcomeBefore: payment.outcome,
    ...registered ? { assignedPaymentId: registered.id } : {}
  };
  let expiresOn = mailbox?.expiresOn ?? null;
  switch (decision.outcome) {
    case "unpaid": {
      const paying = registered ?? payment;
      const creditNote = await issueCreditNote(tx, paying.id, { issuedOn: businessDate(now), now });
      if (creditNote) await audit(tx, { ...log, action: "invoice.credit_note_issued", data: { invoiceId: creditNote.id, number: invoiceNumber(creditNote.year, creditNote.number, creditNote.series) } });
      await markPaymentReversed(tx, paying.id, { outcome: "held" });
      if (registered) await markPaymentReversed(tx, payment.id, { outcome: payment.outcome });
      await reopenOrder(tx, lockedOrder.id);
      await renewMailbox(tx, mailbox.id, { expiresOn: decision.restoreExpiry, reactivate: false, now });
      await audit(tx, { ...log, action: "payment.reversed", reason: "unpaid", data: facts });
      await audit(tx, { ...log, action: "order.reopened", reason: "payment_reversed", data: { newExpiresOn: lockedOrder.newExpiresOn } });
      await audit(tx, { ...log, action: "mailbox.renewal_reversed", data: { from: mailbox.expiresOn, to: decision.restoreExpiry } });
      await enqueueReversalMail(tx, payment, lockedOrder, mailbox, decision.restoreExpiry, now);
      expiresOn = decision.restoreExpiry;
      break;
    }
    case "refund_cancelled":
    case "recorded":
      await markPaymentReversed(tx, payment.id, { outcome: payment.outcome });
      await audit(tx, { ...log, action: "payment.reversed", reason: decision.outcome, data: facts });
      break;
    case "held":
      await audit(tx, { ...log, action: "payment.reversal_held", reason: decision.reason, data: facts });
      break;
  }
  return {
    outcome: decision.outcome,
    ...decision.reason ? { reason: decision.reason } : {},
    reversalId,
    paymentId: payment.id,
    orderId,
    expiresOn,
    replayed: false
  };
}
async function enqueueReversalMail(tx, payment, order, mailbox, restored, now) {
  const account = await findAccount(tx, mailbox.accountId);
  const convention = await findConvention(tx, mailbox.conventionCode);
  const expired = compareDates(restored, businessDate(now)) < 0;
  const status = mailbox.status === "deactivated" ? "deactivated" : "active";
  const facts = openOrderFacts(order, { status: expired ? "deactivated" : status, expiresOn: restored }, convention);
  await enqueueMail(
    tx,
    {
      template: "payment_reversed",
      language: account.language,
      recipient: account.referenceEmail,
      params: {
        holderName: `${account.firstName} ${account.lastName}`,
        mailbox: mailbox.address,
        amountCents: payment.amountCents,
        method: payment.method,
        expiresOn: restored,
        withdrawnExpiresOn: mailbox.expiresOn,
        mailboxStatus: status,
        renewableUntil: expired ? renewableUntil(restored, convention.renewableWindowDays) : null,
        openOrder: facts
      },
      mailboxId: mailbox.id,
      orderId: order.id
    },
    now
  );
}
async function decide(tx, payment, paying, order, mailbox, amountCents) {
  if (amountCents !== void 0 && amountCents !== payment.amountCents) return { outcome: "held", reason: "amount_mismatch" };
  if (payment.refundStatus === "refunded") return { outcome: "held", reason: "already_refunded" };
  if (paying.outcome !== "paid") {
    return payment.refundStatus === "due" ? { outcome: "refund_cancelled" } : { outcome: "recorded" };
  }
  if (!order || !mailbox || order.status !== "paid") return { outcome: "held", reason: "order_not_paid" };
  if (mailbox.expiresOn !== order.newExpiresOn) return { outcome: "held", reason: "mailbox_expiry_changed" };
  const open2 = await findOpenOrder(tx, mailbox.id);
  if (open2) return { outcome: "held", reason: "another_open_order" };
  const restoreExpiry = await expiryBeforeRenewal(tx, order.id) ?? order.extendedFrom ?? void 0;
  return { outcome: "unpaid", restoreExpiry };
}
async function reversedPayment(tx, found) {
  const resolves = found?.reference.match(/^resolution:(\d+)$/);
  return resolves ? await findPayment(tx, Number(resolves[1])) ?? found : found;
}
async function replay(tx, stored) {
  const order = stored.orderId ? await findOrder(tx, stored.orderId) : void 0;
  const mailbox = order ? await findMailbox(tx, order.mailboxId) : void 0;
  return {
    outcome: stored.outcome,
    ...stored.reason ? { reason: stored.reason } : {},
    reversalId: stored.id,
    paymentId: stored.paymentId,
    orderId: stored.orderId,
    expiresOn: mailbox?.expiresOn ?? null,
    replayed: true
  };
}

// src/flows/settlement/payment.ts
function checkPayment(input) {
  if (!PAYMENT_METHODS.includes(input.method)) throw new DomainError("payment_method_unknown", String(input.method));
  if (!Number.isSafeInteger(input.amountCents) || input.amountCents <= 0 || input.amountCents > MAX_PAYMENT_CENTS) {
    throw new DomainError("invalid_input", `amountCents: ${input.amountCents}`);
  }
  const reference2 = input.reference.trim();
  if (!reference2) throw new DomainError("invalid_input", "reference is empty");
  return { ...input, reference: reference2, orderId: parseOrderId(input.orderRef) };
}
var paymentKey = (p) => `${p.method}\0${p.reference}`;

// src/flows/settlement/claim.ts
import { sql as sql16 } from "drizzle-orm";
async function claimPayments(tx, payments2, waitForFirst = true) {
  if (payments2.length === 0) return { stored: [], orders: [], mailboxes: [], conventions: [], settleable: 0, paymentIds: [] };
  const first = payments2[0].orderId;
  if (first && waitForFirst) {
    await tx.execute(sql16`SELECT id FROM mailboxes WHERE id = (SELECT mailbox_id FROM orders WHERE id = ${first}) FOR UPDATE`);
    await tx.execute(sql16`SELECT id FROM orders WHERE id = ${first} FOR UPDATE`);
  }
  const orderIds2 = [...new Set(payments2.map((p) => p.orderId).filter((id) => id !== null))];
  const [row] = await queryRows(
    tx,
    // Every row is found through its key, one probe per payment (LATERAL, LIMIT 1 keeps the planner
    // from joining whole tables): a batch names a thousand orders among a million.
    sql16`WITH named AS (
      SELECT o.id, o.mailbox_id FROM unnest(${sql16.param(orderIds2)}::text[]) AS i(id)
       CROSS JOIN LATERAL (SELECT id, mailbox_id FROM orders WHERE id = i.id LIMIT 1) o
    ),
    locked_mailboxes AS ( -- an order's row is never locked here before its mailbox's
      SELECT m.* FROM (SELECT DISTINCT mailbox_id FROM named) n CROSS JOIN LATERAL (
        SELECT m.id, m.status, m.expires_on, m.convention_code FROM mailboxes m
         WHERE m.id = n.mailbox_id FOR UPDATE SKIP LOCKED) m
    ),
    locked_orders AS (
      SELECT o.* FROM named n JOIN locked_mailboxes l ON l.id = n.mailbox_id CROSS JOIN LATERAL (
        SELECT o.id, o.status, o.total_cents, o.years, o.mailbox_id FROM orders o WHERE o.id = n.id FOR UPDATE SKIP LOCKED) o
    ),
    keys AS (
      SELECT * FROM unnest(${sql16.param(payments2.map((p) => p.method))}::text[], ${sql16.param(payments2.map((p) => p.reference))}::text[]) AS k(method, reference)
    ),
    stored AS (
      SELECT p.* FROM keys k CROSS JOIN LATERAL (
        SELECT p.id, p.method, p.reference, p.order_id, p.outcome, p.reason,
               (SELECT m.expires_on::text FROM orders o JOIN mailboxes m ON m.id = o.mailbox_id WHERE o.id = p.order_id) AS expires_on
          FROM payments p WHERE p.method = k.method AND p.reference = k.reference LIMIT 1) p
    ),
    ids AS ( -- one per payment to store: each key not stored yet, once
      ${reservePaymentIdsSql(sql16`(SELECT count(*)::int FROM (SELECT DISTINCT method, reference FROM keys) k
                                   WHERE NOT EXISTS (SELECT 1 FROM stored s WHERE s.method = k.method AND s.reference = k.reference))`)}
    )
    SELECT (SELECT json_agg(n.id) FROM named n WHERE NOT EXISTS (SELECT 1 FROM locked_orders l WHERE l.id = n.id)) AS held,
           (SELECT json_agg(id ORDER BY id) FROM ids) AS ids,
           (SELECT json_agg(json_build_object('id', id, 'status', status, 'totalCents', total_cents, 'years', years, 'mailboxId', mailbox_id))
              FROM locked_orders) AS orders,
           (SELECT json_agg(json_build_object('id', id, 'status', status, 'expiresOn', expires_on::text, 'conventionCode', convention_code))
              FROM locked_mailboxes) AS mailboxes,
           (SELECT json_agg(json_build_object('code', c.code, 'lateRenewalFrom', c.late_renewal_from, 'renewableWindowDays', c.renewable_window_days))
              FROM conventions c WHERE c.code IN (SELECT convention_code FROM locked_mailboxes)) AS conventions,
           (SELECT json_agg(json_build_object('id', id, 'method', method, 'reference', reference, 'orderId', order_id, 'outcome', outcome,
                     'reason', reason, 'expiresOn', expires_on))
              FROM stored) AS stored`
  );
  const claim = {
    stored: row.stored ?? [],
    orders: row.orders ?? [],
    mailboxes: row.mailboxes ?? [],
    conventions: row.conventions ?? []
  };
  return { ...claim, paymentIds: row.ids ?? [], settleable: settleablePrefix(payments2, claim, new Set(row.held ?? [])) };
}
function settleablePrefix(payments2, claim, held) {
  if (held.size === 0) return payments2.length;
  const stored = new Set(claim.stored.map(paymentKey));
  const i = payments2.findIndex((p) => p.orderId !== null && held.has(p.orderId) && !stored.has(paymentKey(p)));
  return i < 0 ? payments2.length : i;
}

// src/flows/settlement/settle-batch.ts
function settleBatch(payments2, claimed, today2) {
  const stored = new Map(claimed.stored.map((s) => [paymentKey(s), s]));
  const orders2 = new Map(claimed.orders.map((o) => [o.id, { ...o }]));
  const mailboxes2 = new Map(claimed.mailboxes.map((m) => [m.id, { ...m }]));
  const conventions2 = new Map(claimed.conventions.map((c) => [c.code, c]));
  const firstAt = /* @__PURE__ */ new Map();
  const expiryOf = (orderId) => {
    const order = orderId ? orders2.get(orderId) : void 0;
    return order ? mailboxes2.get(order.mailboxId).expiresOn : null;
  };
  return payments2.map((payment, i) => {
    const key = paymentKey(payment);
    const before = stored.get(key);
    if (before) return { kind: "replayed", stored: before, expiresOn: before.orderId && orders2.has(before.orderId) ? expiryOf(before.orderId) : before.expiresOn };
    const earlier = firstAt.get(key);
    if (earlier !== void 0) return { kind: "repeated", earlier, expiresOn: expiryOf(payments2[earlier].orderId) };
    firstAt.set(key, i);
    const order = payment.orderId ? orders2.get(payment.orderId) : void 0;
    if (!order) return { kind: "unknownOrder" };
    const mailbox = mailboxes2.get(order.mailboxId);
    const settlement = settle(order, mailbox, payment.amountCents, conventions2.get(mailbox.conventionCode), today2, {
      acceptShortfall: payment.acceptShortfall
    });
    switch (settlement.kind) {
      case "duplicate":
        return { kind: "duplicate", order, expiresOn: mailbox.expiresOn };
      case "held":
        return { kind: "held", order, reason: settlement.reason, refundDue: settlement.refundDue, expiresOn: mailbox.expiresOn };
      case "paid": {
        const decision = { ...settlement, order: { ...order }, expiredOn: mailbox.expiresOn };
        order.status = "paid";
        mailbox.expiresOn = settlement.newExpiresOn;
        if (settlement.reactivates) mailbox.status = "active";
        return decision;
      }
    }
  });
}

// src/flows/settlement/write.ts
import { sql as sql18 } from "drizzle-orm";

// src/provisioning/commands.ts
import { sql as sql17 } from "drizzle-orm";
function queueCommandRowsSql(action, rows, now) {
  const mode = action === "disable" ? sql17`(SELECT c.deactivation_mode FROM mailboxes qm JOIN conventions c ON c.code = qm.convention_code WHERE qm.id = q.mailbox_id)` : sql17`NULL::text`;
  return sql17`INSERT INTO provisioning_commands (mailbox_id, action, mode, created_at)
    SELECT q.mailbox_id, ${action}::text, ${mode}, ${now}::timestamptz
      FROM (SELECT ${rows.mailboxId} AS mailbox_id FROM ${rows.from}) q`;
}

// src/flows/settlement/write.ts
var DUPLICATE = "order_already_paid";
function settlementWrites(payments2, decisions, paymentIds, now, invoicing) {
  const decided = [];
  const paidOrders = [];
  const renewed = /* @__PURE__ */ new Map();
  const registrations = [];
  decisions.forEach((decision, i) => {
    const payment = payments2[i];
    switch (decision.kind) {
      case "replayed": {
        const { stored: s } = decision;
        registrations.push({ outcome: s.outcome, ...s.reason ? { reason: s.reason } : {}, orderId: s.orderId, paymentId: s.id, expiresOn: decision.expiresOn, replayed: true });
        return;
      }
      case "repeated":
        registrations.push({ ...registrations[decision.earlier], expiresOn: decision.expiresOn, replayed: true });
        return;
    }
    const id = paymentIds[decided.length];
    const row = {
      id,
      outcome: "unknownOrder",
      refundStatus: "none",
      amountCents: payment.amountCents,
      method: payment.method,
      reference: payment.reference,
      orderRef: payment.orderRef,
      actor: payment.actor
    };
    if (payment.staged) {
      row.importId = payment.staged.importId;
      row.position = payment.staged.position;
    } else if (payment.raw !== void 0) row.raw = payment.raw;
    decided.push(row);
    if (decision.kind === "unknownOrder") {
      registrations.push({ outcome: "unknownOrder", reason: "unknown_order", orderId: null, paymentId: id, expiresOn: null, replayed: false });
      return;
    }
    const { order } = decision;
    row.orderId = order.id;
    row.mailboxId = order.mailboxId;
    row.outcome = decision.kind;
    switch (decision.kind) {
      case "duplicate":
        row.reason = DUPLICATE;
        row.refundStatus = "due";
        registrations.push({ outcome: "duplicate", reason: DUPLICATE, orderId: order.id, paymentId: id, expiresOn: decision.expiresOn, replayed: false });
        return;
      case "held":
        row.reason = decision.reason;
        row.refundStatus = decision.refundDue ? "due" : "none";
        row.totalCents = order.totalCents;
        registrations.push({ outcome: "held", reason: decision.reason, orderId: order.id, paymentId: id, expiresOn: decision.expiresOn, replayed: false });
        return;
      case "paid": {
        const { expiredOn, extendsFrom, newExpiresOn, reactivates } = decision;
        row.expiredOn = expiredOn;
        row.newExpiresOn = newExpiresOn;
        row.extendedFrom = extendsFrom;
        row.years = order.years;
        row.reactivates = reactivates;
        paidOrders.push({ id: order.id, extendedFrom: extendsFrom, newExpiresOn });
        const previous = renewed.get(order.mailboxId);
        renewed.set(order.mailboxId, { id: order.mailboxId, expiresOn: newExpiresOn, reactivate: reactivates || (previous?.reactivate ?? false) });
        registrations.push({ outcome: "paid", orderId: order.id, paymentId: id, expiresOn: newExpiresOn, replayed: false });
        return;
      }
    }
  });
  if (decided.length === 0) return { registrations, decided: null, writes: [] };
  const writes = ownersRows(now);
  if (paidOrders.length) {
    writes.push(markOrdersPaidSql(paidOrders, now), renewMailboxesSql([...renewed.values()], now));
    writes.push(...issueInvoicesSql(sql18`SELECT * FROM ${DECIDED} WHERE outcome = 'paid'`, { ...invoicing, now }));
  }
  return { registrations, decided: decidedRowsSql(decided), writes };
}
function decidedRowsSql(rows) {
  return sql18`SELECT * FROM ROWS FROM (jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS (
    id bigint, outcome text, reason text, "refundStatus" text, "orderId" text, "mailboxId" bigint, "amountCents" int, method text,
    reference text, "orderRef" text, actor text, raw jsonb, "importId" bigint, position int, "totalCents" int, "expiredOn" date,
    "newExpiresOn" date, "extendedFrom" date, years int, reactivates boolean)) WITH ORDINALITY AS d(
    id, outcome, reason, "refundStatus", "orderId", "mailboxId", "amountCents", method, reference, "orderRef", actor, raw, "importId",
    position, "totalCents", "expiredOn", "newExpiresOn", "extendedFrom", years, reactivates, n)`;
}
function ownersRows(now) {
  const decided = (where) => where ? sql18`${DECIDED} d WHERE ${where} ORDER BY d.n` : sql18`${DECIDED} d ORDER BY d.n`;
  return [
    insertPaymentRowsSql(
      {
        from: decided(),
        id: sql18`d.id`,
        method: sql18`d.method`,
        reference: sql18`d.reference`,
        orderRef: sql18`d."orderRef"`,
        orderId: sql18`d."orderId"`,
        amountCents: sql18`d."amountCents"`,
        outcome: sql18`d.outcome`,
        reason: sql18`d.reason`,
        refundStatus: sql18`d."refundStatus"`,
        source: sql18`d.actor`,
        raw: sql18`coalesce(d.raw, ${stagedFactsSql(sql18`d."importId"`, sql18`d.position`)})`,
        importId: sql18`d."importId"`,
        importPosition: sql18`d.position`
      },
      now
    ),
    // R9: one row per payment, in order; a reactivating payment's second row says so (R6)
    insertAuditRowsSql(
      { at: now },
      {
        from: sql18`${DECIDED} d CROSS JOIN LATERAL (SELECT 1 AS step UNION ALL SELECT 2 WHERE d.reactivates) s ORDER BY d.n, s.step`,
        actor: sql18`d.actor`,
        paymentId: sql18`d.id`,
        orderId: sql18`d."orderId"`,
        mailboxId: sql18`d."mailboxId"`,
        action: sql18`CASE WHEN s.step = 2 THEN 'mailbox.reactivated' WHEN d.outcome = 'unknownOrder' THEN 'payment.unknown_order' ELSE 'payment.' || d.outcome END`,
        reason: sql18`CASE WHEN s.step = 2 THEN 'late_renewal_paid' WHEN d.outcome = 'unknownOrder' THEN 'unknown_order' ELSE d.reason END`,
        data: sql18`CASE WHEN s.step = 1 THEN jsonb_build_object('amountCents', d."amountCents", 'method', d.method, 'reference', d.reference, 'orderRef', d."orderRef")
          || CASE d.outcome WHEN 'held' THEN jsonb_build_object('totalCents', d."totalCents", 'refundStatus', d."refundStatus")
                            WHEN 'paid' THEN jsonb_build_object('from', d."expiredOn", 'to', d."newExpiresOn", 'extendedFrom', d."extendedFrom", 'years', d.years)
                            ELSE '{}'::jsonb END END`
      }
    ),
    queueCommandRowsSql("enable", { from: decided(sql18`d.reactivates`), mailboxId: sql18`d."mailboxId"` }, now),
    enqueueMailRowsSql(
      {
        template: "payment_received",
        // the mailbox's address and holder as stored (this statement changes neither)
        from: sql18`${DECIDED} d JOIN mailboxes m ON m.id = d."mailboxId" JOIN accounts a ON a.id = m.account_id WHERE d.outcome = 'paid' ORDER BY d.n`,
        language: sql18`a.language`,
        recipient: sql18`a.reference_email`,
        params: {
          holderName: holderNameSql(sql18`a`),
          mailbox: sql18`m.address`,
          orderId: sql18`d."orderId"`,
          amountCents: sql18`d."amountCents"`,
          method: sql18`d.method`,
          newExpiresOn: sql18`d."newExpiresOn"`,
          reactivated: sql18`coalesce(d.reactivates, false)`,
          paymentId: sql18`d.id`
          // R11: its invoice's courtesy copy is attached at send time
        },
        mailboxId: sql18`d."mailboxId"`,
        orderId: sql18`d."orderId"`
      },
      now
    )
  ];
}
var DECIDED = sql18.raw("decided");
async function writeAll(tx, writes, decided = null) {
  if (writes.length === 0) return;
  const ctes = writes.map((write, i) => "name" in write ? sql18`${sql18.identifier(write.name)} AS (${write.sql})` : sql18`${sql18.raw(`w${i}`)} AS (${write})`);
  await tx.execute(sql18`WITH ${sql18.join(decided ? [sql18`${DECIDED} AS (${decided})`, ...ctes] : ctes, sql18`, `)} SELECT 1`);
}

// src/flows/settlement/settle-payments.ts
async function settlePayments(tx, payments2, at, alsoWrite = () => []) {
  const claim = await claimPayments(tx, payments2, at.waitForFirst ?? true);
  const settling = payments2.slice(0, claim.settleable);
  const today2 = businessDate(at.now, at.timeZone);
  const decisions = settleBatch(settling, claim, today2);
  const { registrations, decided, writes } = settlementWrites(settling, decisions, claim.paymentIds, at.now, { issuedOn: today2, series: at.invoiceSeries });
  await writeAll(tx, [...writes, ...alsoWrite(registrations)], decided);
  return registrations;
}
function worthRetrying(error) {
  if (uniqueViolation(error) === PAYMENT_KEY_CONSTRAINT) return true;
  for (let e = error; e; e = e.cause) {
    if (e.code === "40P01") return true;
  }
  return false;
}

// src/flows/imports/settle-import.ts
var DEFAULT_BATCH_SIZE = 2e3;
var ATTEMPTS = 5;
async function settleImport(deps, importId, options = {}) {
  const settledByRun = /* @__PURE__ */ new Set();
  while (!options.signal?.aborted) {
    const batch = await settleNextBatch(deps, importId, options.batchSize ?? DEFAULT_BATCH_SIZE);
    if (batch.count === 0 && batch.first < batch.entries) throw new Error(`import ${importId}: entry ${batch.first} of ${batch.entries} is missing`);
    if (batch.count > 0) settledByRun.add(batch.first);
    await options.onProgress?.({ phase: "settling", settled: batch.first + batch.count, entries: batch.entries });
    if (batch.first + batch.count >= batch.entries) break;
  }
  return settledByRun;
}
async function settleNextBatch(deps, importId, size) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await deps.db.transaction(async (tx) => {
        const { row, entries } = await lockNextEntries(tx, importId, size);
        const now = deps.clock.now();
        const results = await settleEntries(tx, row, entries, { now, timeZone: deps.config.businessTimeZone, invoiceSeries: deps.config.invoicing?.series });
        if (results.length) await writeAll(tx, recordBatchSql(row, results, now));
        return { first: row.settled, count: results.length, entries: row.entries };
      });
    } catch (error) {
      if (attempt < ATTEMPTS && worthRetrying(error)) continue;
      throw error;
    }
  }
}
async function settleEntries(tx, row, entries, at) {
  const results = [];
  while (results.length < entries.length) {
    const wait = results.length === 0;
    const next = entries[results.length];
    if (next.kind === "reversal") {
      const result = await settleReversal(tx, next, row.actor, at.now, wait);
      if (!result) break;
      results.push(result);
      continue;
    }
    const end = entries.findIndex((e, i) => i > results.length && e.kind === "reversal");
    const run = entries.slice(results.length, end < 0 ? entries.length : end);
    const settled = await settlePaymentRun(tx, row, run, at, wait);
    results.push(...settled);
    if (settled.length < run.length) break;
  }
  return results;
}
async function settlePaymentRun(tx, row, run, at, wait) {
  const payments2 = run.filter((e) => e.kind === "payment").map(
    (e) => checkPayment({ orderRef: e.orderRef, amountCents: e.amountCents, method: e.method, reference: e.reference, actor: row.actor, staged: { importId: row.id, position: e.position } })
  );
  const registrations = await settlePayments(tx, payments2, { ...at, waitForFirst: wait });
  const results = [];
  let next = 0;
  for (const entry of run) {
    if (entry.kind === "ignored") results.push(["ignored", entry.note, null, null]);
    else if (next < registrations.length) results.push(paymentResult(entry, registrations[next++]));
    else break;
  }
  return results;
}
function paymentResult(entry, registration) {
  const { orderId, paymentId } = registration;
  if (registration.replayed) return ["ignored", "already_imported", orderId, paymentId];
  switch (registration.outcome) {
    case "paid":
      return ["registered", null, orderId, paymentId];
    case "duplicate":
      return ["duplicate", registration.reason ?? "order_already_paid", orderId, paymentId];
    case "held":
      return ["held", registration.reason ?? null, orderId, paymentId];
    case "unknownOrder":
      return ["held", entry.note, null, paymentId];
  }
}
async function settleReversal(tx, entry, actor, now, wait) {
  const method = entry.method;
  const reversalReference = entry.reference;
  const earlier = await findReversal(tx, method, reversalReference);
  if (earlier) return ["ignored", "already_imported", earlier.orderId, earlier.paymentId];
  const { search, raw } = entry.facts;
  const original = await findReversalOriginal(tx, {
    method,
    ...search,
    amountCents: entry.amountCents,
    ...entry.orderId ? { orderId: entry.orderId } : { orderRef: entry.orderRef }
  });
  if (original && !wait && !await tryLockForReversal(tx, original)) return null;
  const reversal = await reversePaymentInTransaction(
    tx,
    { method, reference: original?.reference ?? `unmatched:${reversalReference}`, reversalReference, amountCents: entry.amountCents, actor, raw },
    now
  );
  return reversalResult(reversal);
}
function reversalResult(reversal) {
  switch (reversal.outcome) {
    case "unpaid":
    case "refund_cancelled":
    case "recorded":
      return ["registered", encodeImportReason({ code: "reversal", detail: reversal.outcome }), reversal.orderId, reversal.paymentId];
    case "held":
      return ["held", encodeImportReason({ code: "reversal", detail: reversal.reason === "payment_not_found" || !reversal.reason ? "original_not_found" : reversal.reason }), reversal.orderId, reversal.paymentId];
    case "unmatched":
      return ["held", encodeImportReason({ code: "reversal", detail: "original_not_found" }), null, null];
  }
}

// src/flows/imports/store-import.ts
import { createHash as createHash2 } from "node:crypto";
import { createReadStream as createReadStream2 } from "node:fs";
import { basename } from "node:path";
var STORE_CHUNK = 2e3;
async function storeImport(deps, file, entries, onProgress) {
  const digest = await fileDigest(file.path, `${file.format}:${file.scope}`);
  const found = await findImportByDigest(deps.db, digest);
  if (found) return { importId: found.id, storedNow: false };
  return deps.db.transaction(async (tx) => {
    const now = deps.clock.now();
    const importId = await insertImport(tx, { digest, format: file.format, fileName: file.fileName ?? basename(file.path), actor: file.actor, stagedAt: now });
    if (importId === void 0) return { importId: (await findImportByDigest(tx, digest)).id, storedNow: false };
    let stored = 0;
    let chunk = [];
    let writing = Promise.resolve();
    const write = async () => {
      await writing;
      const rows = chunk;
      chunk = [];
      writing = insertEntries(tx, importId, stored, rows);
      writing.catch(() => {
      });
      stored += rows.length;
      await onProgress?.({ phase: "storing", stored });
    };
    try {
      for await (const entry of entries()) {
        chunk.push(entry);
        if (chunk.length === STORE_CHUNK) await write();
      }
      if (chunk.length) await write();
      await writing;
    } catch (error) {
      await writing.catch(() => {
      });
      throw error;
    }
    await finishStaging(tx, importId, stored, now);
    return { importId, storedNow: true };
  });
}
async function fileDigest(path, scope) {
  const hash = createHash2("sha256").update(`${scope}
`);
  for await (const chunk of createReadStream2(path, { highWaterMark: 256 * 1024 })) hash.update(chunk);
  return hash.digest("hex");
}

// src/flows/imports/import-statement.ts
async function importStatement(deps, filePath, options) {
  const { importId } = await storeStatement(deps, filePath, options);
  const batchSize = options.registration === "single" ? 1 : options.batchSize;
  const settledByRun = await settleImport(deps, importId, { batchSize, onProgress: options.onProgress });
  return reportImport(deps.db, importId, settledByRun);
}
async function storeStatement(deps, filePath, options) {
  const format = options.format ?? await detectStatementFileFormat(filePath);
  return storeImport(
    deps,
    { path: filePath, fileName: options.fileName, format, scope: "statement", actor: options.actor },
    async function* () {
      const occurrences = /* @__PURE__ */ new Map();
      for await (const entry of readStatementFile(filePath, format)) yield stageStatementEntry(entry, occurrences);
    },
    options.onProgress
  );
}

// test/payments/offline/statement-builder.ts
var escape = (s) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
var amount = (cents) => `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, "0")}`;
var ACCOUNT_IBAN = "IT60X0542811101000000123456";
function camtHeader(version = 8, stmtId = "STMT-1", account = ACCOUNT_IBAN) {
  const v = String(version).padStart(2, "0");
  return `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.${v}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>MSG-${stmtId}</MsgId><CreDtTm>2026-05-02T08:00:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>${stmtId}</Id>
      <CreDtTm>2026-05-02T08:00:00</CreDtTm>
      <Acct><Id><IBAN>${account}</IBAN></Id><Ccy>EUR</Ccy></Acct>
`;
}
var CAMT_FOOTER = `    </Stmt>
  </BkToCstmrStmt>
</Document>
`;
function party(version, name2, iban) {
  if (!name2 && !iban) return "";
  const debtor = !name2 ? "" : version >= 8 ? `<Dbtr><Pty><Nm>${escape(name2)}</Nm></Pty></Dbtr>` : `<Dbtr><Nm>${escape(name2)}</Nm></Dbtr>`;
  return `<RltdPties>${debtor}${iban ? `<DbtrAcct><Id><IBAN>${iban}</IBAN></Id></DbtrAcct>` : ""}</RltdPties>`;
}
function txAmount(version, cents, ccy) {
  return version === 2 ? `<AmtDtls><TxAmt><Amt Ccy="${ccy}">${amount(cents)}</Amt></TxAmt></AmtDtls>` : `<Amt Ccy="${ccy}">${amount(cents)}</Amt>`;
}
function remittance(lines) {
  return lines.length ? `<RmtInf>${lines.map((l) => `<Ustrd>${escape(l)}</Ustrd>`).join("")}</RmtInf>` : "";
}
function camtEntry(e, version = 8) {
  const ccy = e.currency ?? "EUR";
  const status = e.status ?? "BOOK";
  const sts = version >= 6 ? `<Sts><Cd>${status}</Cd></Sts>` : `<Sts>${status}</Sts>`;
  const date5 = e.bookingDate ?? "2026-05-02";
  const ref = e.acctSvcrRef === null ? "" : `<AcctSvcrRef>${escape(e.acctSvcrRef ?? "")}</AcctSvcrRef>`;
  const details = e.batch ? e.batch.map(
    (t) => `<TxDtls><Refs>${t.acctSvcrRef ? `<AcctSvcrRef>${t.acctSvcrRef}</AcctSvcrRef>` : ""}<EndToEndId>NOTPROVIDED</EndToEndId></Refs>${txAmount(version, t.amountCents, ccy)}${party(version, t.debtorName)}${remittance(t.remittance)}</TxDtls>`
  ).join("") : `<TxDtls><Refs><EndToEndId>${escape(e.endToEndId ?? "NOTPROVIDED")}</EndToEndId></Refs>${txAmount(version, e.amountCents, ccy)}${party(version, e.debtorName, e.debtorIban)}${remittance(e.remittance ?? [])}</TxDtls>`;
  return `      <Ntry>
        <Amt Ccy="${ccy}">${amount(e.amountCents)}</Amt>
        <CdtDbtInd>${e.creditDebit ?? "CRDT"}</CdtDbtInd>
        ${e.reversal ? "<RvslInd>true</RvslInd>" : ""}
        ${sts}
        <BookgDt><Dt>${date5}</Dt></BookgDt>
        <ValDt><Dt>${date5}</Dt></ValDt>
        ${ref}
        <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
        <NtryDtls>${details}</NtryDtls>
      </Ntry>
`;
}

// bench/statements.ts
var { values } = parseArgs({
  options: {
    n: { type: "string", default: "100000" },
    db: { type: "string", default: "postgres://postgres@127.0.0.1:5432/postgres" },
    "parse-mb": { type: "string" },
    "batch-size": { type: "string" },
    // default: the import's own
    profile: { type: "string" }
  }
});
var n = Number(values.n);
var today = parseCalendarDate("2026-05-02");
var folder = mkdtempSync(join2(tmpdir(), "bench-statements-"));
function orderIds(count) {
  let seed = 42;
  const random = (max) => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) % max;
  };
  const ids = /* @__PURE__ */ new Set();
  while (ids.size < count) {
    let payload = "";
    for (let i = 0; i < 8; i++) payload += ORDER_ID_ALPHABET[random(ORDER_ID_ALPHABET.length)];
    ids.add(payload + checkDigits(payload));
  }
  return [...ids];
}
function entryFor(i, ids) {
  const id = ids[i % ids.length];
  const ref = `BENCH${String(i).padStart(9, "0")}`;
  const base = { amountCents: 1220, acctSvcrRef: ref, endToEndId: `E2E${i}`, debtorName: `TITOLARE ${i}`, remittance: [`RINNOVO PEC ORDINE ${id.slice(0, 4)}-${id.slice(4, 8)}-${id.slice(8)}`, `CASELLA${i}`] };
  if (i % 997 === 996) return { ...base, creditDebit: "DBIT", reversal: true, endToEndId: `E2E${i - 1}`, remittance: [`STORNO ${ids[(i - 1) % ids.length]}`] };
  if (i % 101 === 100) return { ...base, creditDebit: "DBIT", remittance: ["COMMISSIONI"] };
  if (i % 89 === 88) return { ...base, status: "PDNG" };
  if (i % 50 === 49) return { ...base, remittance: [`ORDINE ${id.slice(0, 3)}B${id.slice(4)}`] };
  if (i % 37 === 36) return { ...base, amountCents: 1e3 };
  if (i % 45 === 44) return { ...base, remittance: [ids[(i - 1) % ids.length]] };
  return base;
}
async function writeStatement(path, count, ids, padding = 0) {
  const out = createWriteStream(path);
  const write = async (s) => {
    if (!out.write(s)) await once2(out, "drain");
  };
  await write(camtHeader(8, "BENCH"));
  for (let i = 0; i < count; i++) {
    const spec = entryFor(i, ids);
    if (padding) spec.remittance = [...spec.remittance ?? [], ...Array.from({ length: Math.ceil(padding / 140) }, () => "X".repeat(140))];
    await write(camtEntry(spec, 8));
  }
  await write(CAMT_FOOTER);
  out.end();
  await once2(out, "finish");
  return statSync(path).size;
}
async function databaseCpuMs() {
  const { rows } = await admin.query("SELECT pid FROM pg_stat_activity WHERE datname = $1", [name]);
  const used = /* @__PURE__ */ new Map();
  for (const { pid } of rows) {
    try {
      const fields = readFileSync2(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
      used.set(pid, (Number(fields[11]) + Number(fields[12])) * 10);
    } catch {
      return null;
    }
  }
  return used;
}
async function measured(work) {
  if (global.gc) global.gc();
  const dbBefore = await databaseCpuMs();
  const cpuBefore = process.cpuUsage();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  let heap = process.memoryUsage().heapUsed;
  const sample = () => {
    peak = Math.max(peak, process.memoryUsage.rss());
    heap = Math.max(heap, getHeapStatistics().used_heap_size);
  };
  const sampler = setInterval(sample, 5);
  const start = performance.now();
  const result = await work();
  const ms = performance.now() - start;
  clearInterval(sampler);
  sample();
  const cpu2 = process.cpuUsage(cpuBefore);
  const dbAfter = await databaseCpuMs();
  let dbCpuMs = null;
  if (dbBefore && dbAfter) {
    dbCpuMs = 0;
    for (const [pid, used] of dbAfter) dbCpuMs += used - (dbBefore.get(pid) ?? 0);
  }
  const mb = (bytes) => Math.round(bytes / 2 ** 20);
  return { ms, result, peakRssMb: mb(peak), baselineRssMb: mb(baseline), peakHeapMb: mb(heap), cpuMs: Math.round((cpu2.user + cpu2.system) / 1e3), dbCpuMs };
}
function memory(m) {
  return { baselineRssMb: m.baselineRssMb, peakRssMb: m.peakRssMb, peakHeapMb: m.peakHeapMb };
}
function cpu(m) {
  return { nodeCpuMs: m.cpuMs, dbCpuMs: m.dbCpuMs };
}
async function startProfile() {
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.start");
  return session;
}
async function stopProfile(session, file) {
  const { profile } = await session.post("Profiler.stop");
  writeFileSync(file.endsWith(".cpuprofile") ? file : `${file}.cpuprofile`, JSON.stringify(profile));
  session.disconnect();
}
async function writeFloor(database2) {
  const rolledBack = new Error("rolled back");
  let renewals = 0;
  const msPerTable = {};
  try {
    await database2.db.transaction(async (tx) => {
      const timed = async (table, query) => {
        const start = performance.now();
        await tx.execute(query);
        msPerTable[table] = Math.round(performance.now() - start);
      };
      await timed("read", sql`CREATE TEMP TABLE floor_input ON COMMIT DROP AS
        SELECT o.id AS order_id, m.id AS mailbox_id, m.expires_on, m.address, a.reference_email, a.language,
               a.first_name || ' ' || a.last_name AS holder_name
          FROM orders o JOIN mailboxes m ON m.id = o.mailbox_id JOIN accounts a ON a.id = m.account_id
         WHERE o.status = 'open'`);
      await timed("payments", sql`INSERT INTO payments (method, reference, order_ref, order_id, amount_cents, outcome, reason, refund_status, source, received_at, raw)
        SELECT 'bonifico', 'IT60X0542811101000000123456/FLOOR' || f.mailbox_id, f.order_id, f.order_id, 1220, 'paid', NULL, 'none', 'operator:bench', now(),
               jsonb_build_object('account', 'IT60X0542811101000000123456', 'entryRef', 'FLOOR' || f.mailbox_id, 'bookingDate', '2026-05-01',
                                  'valueDate', '2026-05-01', 'remittanceText', 'RINNOVO PEC ORDINE ' || f.order_id || ' CASELLA' || f.mailbox_id,
                                  'debtorName', 'TITOLARE ' || f.mailbox_id, 'endToEndId', 'E2EFLOOR' || f.mailbox_id)
          FROM floor_input f`);
      await timed("orders", sql`UPDATE orders o SET status = 'paid', paid_at = now(), extended_from = f.expires_on, new_expires_on = f.expires_on + 365
          FROM floor_input f WHERE o.id = f.order_id`);
      await timed("mailboxes", sql`UPDATE mailboxes m SET expires_on = f.expires_on + 365, updated_at = now() FROM floor_input f WHERE m.id = f.mailbox_id`);
      await timed("audit_log", sql`INSERT INTO audit_log (at, actor, action, mailbox_id, order_id, payment_id, reason, data)
        SELECT now(), 'operator:bench', 'payment.paid', f.mailbox_id, f.order_id, NULL, NULL,
               jsonb_build_object('amountCents', 1220, 'from', f.expires_on, 'to', f.expires_on + 365, 'years', 1)
          FROM floor_input f`);
      await timed("outbox", sql`INSERT INTO outbox (template, language, recipient, params, mailbox_id, order_id, next_attempt_at, created_at)
        SELECT 'payment_received', f.language, f.reference_email,
               jsonb_build_object('holderName', f.holder_name, 'mailbox', f.address, 'orderId', f.order_id, 'amountCents', 1220,
                                  'method', 'bonifico', 'newExpiresOn', f.expires_on + 365, 'reactivated', false),
               f.mailbox_id, f.order_id, now(), now()
          FROM floor_input f`);
      const invoiceWrites = issueInvoicesSql(
        sql`SELECT row_number() OVER () AS id, f.order_id AS "orderId", f.mailbox_id AS "mailboxId", 'bonifico' AS method, f.expires_on AS "extendedFrom",
                   f.expires_on + 365 AS "newExpiresOn", 1 AS years, row_number() OVER () AS n FROM floor_input f`,
        { issuedOn: today, series: "PEC", now: /* @__PURE__ */ new Date() }
      );
      await timed("invoices", sql`WITH ${sql.join(invoiceWrites.map((w) => sql`${sql.identifier(w.name)} AS (${w.sql})`), sql`, `)} SELECT 1`);
      await timed("statement_entries", sql`WITH file AS (
          INSERT INTO statement_imports (digest, format, file_name, actor, entries, staged_at)
          SELECT 'floor', 'camt053', 'floor.xml', 'operator:bench', count(*)::int, now() FROM floor_input RETURNING id
        )
        INSERT INTO statement_entries (import_id, position, kind, entry_ref, amount_cents, method, reference, order_ref, order_id, note, facts)
        SELECT file.id, (row_number() OVER ())::int - 1, 'payment', 'FLOOR' || f.mailbox_id, 1220, 'bonifico', 'IT60X0542811101000000123456/FLOOR' || f.mailbox_id,
               f.order_id, f.order_id, 'unknown_order:' || f.order_id,
               jsonb_build_object('account', 'IT60X0542811101000000123456', 'entryRef', 'FLOOR' || f.mailbox_id, 'bookingDate', '2026-05-01',
                                  'valueDate', '2026-05-01', 'remittanceText', 'RINNOVO PEC ORDINE ' || f.order_id || ' CASELLA' || f.mailbox_id,
                                  'debtorName', 'TITOLARE ' || f.mailbox_id, 'endToEndId', 'E2EFLOOR' || f.mailbox_id)
          FROM floor_input f CROSS JOIN file`);
      await timed("statement_batches", sql`INSERT INTO statement_batches (import_id, first_position, count, results, settled_at)
        SELECT e.import_id, (e.position / 2000) * 2000, count(*)::int, jsonb_agg(jsonb_build_array('registered', NULL, e.order_id, NULL) ORDER BY e.position), now()
          FROM statement_entries e WHERE e.import_id = (SELECT id FROM statement_imports WHERE digest = 'floor') GROUP BY e.import_id, e.position / 2000`);
      const [count] = await queryRows(tx, sql`SELECT count(*)::int AS n FROM floor_input`);
      renewals = count.n;
      throw rolledBack;
    });
  } catch (error) {
    if (error !== rolledBack) throw error;
  }
  return { renewals, msPerTable };
}
async function parseOnly(path) {
  let count = 0;
  for await (const _ of readStatementFile(path)) count++;
  return count;
}
var admin = new pg.Client({ connectionString: values.db });
await admin.connect();
var name = `pec_renewal_bench_statements_${process.pid}`;
await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
await admin.query(`CREATE DATABASE ${name}`);
var url = new URL(values.db);
url.pathname = `/${name}`;
var database = await openDatabase(url.toString(), { maxConnections: 2 });
try {
  await migrateDatabase(database);
  await saveConvention(database.db, FNOMCEO_DEMO);
  const setupStart = performance.now();
  await insertBulkMailboxes(database.db, { count: n, today, fromDays: 30, toDays: 365 });
  let ids = orderIds(n);
  await database.db.execute(sql`INSERT INTO orders (id, mailbox_id, account_id, status, years, net_cents, vat_cents, total_cents, method, billing, placed_by, placed_at, placed_on)
    SELECT v.id, m.id, m.account_id, 'open', 1, 1000, 220, 1220, 'bonifico', '{"name":"Bench","fiscalCode":"RSSMRA85T10A562S","email":"b@example.it"}'::jsonb, 'operator:bench', now(), ${today}::date
      FROM jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb) WITH ORDINALITY AS v(id, n)
      JOIN mailboxes m ON m.address = 'casella' || v.n || '@pec.example.it'`);
  await database.db.execute(sql`VACUUM ANALYZE`);
  const setupMs = performance.now() - setupStart;
  const path = join2(folder, "statement.xml");
  const bytes = await writeStatement(path, n, ids);
  ids = null;
  const floor = await measured(() => parseOnly(path));
  const writes = await measured(() => writeFloor(database));
  await database.db.execute(sql`VACUUM ANALYZE`);
  const deps = { db: database.db, clock: new ManualClock("2026-05-02T10:00:00Z"), config: { publicUrl: "https://bench.example", businessTimeZone: "Europe/Rome" } };
  const loadBefore = loadavg()[0];
  const profiler = values.profile ? await startProfile() : null;
  const batchSize = values["batch-size"] ? Number(values["batch-size"]) : void 0;
  const progress = { storedAfterMs: 0, reports: 0, lastSettled: 0, entries: 0 };
  const importStart = performance.now();
  const onProgress = (p) => {
    if (p.phase === "storing") return;
    if (progress.reports++ === 0) progress.storedAfterMs = Math.round(performance.now() - importStart);
    progress.lastSettled = p.settled;
    progress.entries = p.entries;
  };
  const run = await measured(() => importStatement(deps, path, { actor: "operator:bench", batchSize, onProgress }));
  if (profiler) await stopProfile(profiler, values.profile);
  const { results: _r, ...summary } = run.result;
  run.result.results.length = 0;
  const again = await measured(() => importStatement(deps, path, { actor: "operator:bench", batchSize }));
  const { results: _a, ...summaryAgain } = again.result;
  again.result.results.length = 0;
  const loadAfter = loadavg()[0];
  await database.db.execute(sql`ANALYZE orders, invoices`);
  const [invoiced] = await queryRows(
    database.db,
    sql`SELECT count(*) FILTER (WHERE kind = 'invoice')::int AS invoices, count(*) FILTER (WHERE kind = 'credit_note')::int AS "creditNotes",
               coalesce(max(number), 0)::int AS "lastNumber", (coalesce(max(number), 0) - count(DISTINCT number))::int AS gaps,
               (SELECT count(*)::int FROM orders o WHERE o.status = 'paid' AND NOT EXISTS (SELECT 1 FROM invoices i WHERE i.order_id = o.id AND i.kind = 'invoice')) AS "paidWithoutInvoice"
          FROM invoices`
  );
  let big;
  if (values["parse-mb"]) {
    const bigPath = join2(folder, "big.xml");
    const targetBytes = Number(values["parse-mb"]) * 2 ** 20;
    const perEntry = bytes / n + 2e3;
    const bigBytes = await writeStatement(bigPath, Math.ceil(targetBytes / perEntry), orderIds(n), 2e3);
    const parsed = await measured(() => parseOnly(bigPath));
    big = { fileMb: Math.round(bigBytes / 2 ** 20), entries: parsed.result, parseMs: Math.round(parsed.ms), ...memory(parsed) };
    rmSync2(bigPath);
  }
  console.log(
    JSON.stringify(
      {
        database: database.kind,
        entries: n,
        fileMb: Number((bytes / 2 ** 20).toFixed(1)),
        setupMs: Math.round(setupMs),
        loadAverage: { before: loadBefore, after: loadAfter, cores: cpus().length },
        floor: { parseMs: Math.round(floor.ms), entriesPerSecond: Math.round(floor.result / floor.ms * 1e3), ...memory(floor), ...cpu(floor) },
        import: { ms: Math.round(run.ms), entriesPerSecond: Math.round(n / run.ms * 1e3), progress, ...memory(run), ...cpu(run), ...summary },
        ratio: Number((run.ms / floor.ms).toFixed(2)),
        writeFloor: { ms: Math.round(writes.ms), ...writes.result, ratioToParse: Number((writes.ms / floor.ms).toFixed(2)), ...cpu(writes) },
        invoices: {
          ...invoiced,
          floorMsPerThousand: Number((writes.result.msPerTable.invoices / Math.max(1, writes.result.renewals) * 1e3).toFixed(1)),
          shareOfWriteFloor: Number((writes.result.msPerTable.invoices / writes.ms).toFixed(3))
        },
        importToWriteFloor: Number((run.ms / writes.ms).toFixed(2)),
        secondImport: { ms: Math.round(again.ms), ratio: Number((again.ms / floor.ms).toFixed(2)), ...memory(again), ...cpu(again), ...summaryAgain },
        ...big ? { bigFileParse: big } : {},
        targets: { importToWriteFloor: 1.5, peakRssMb: 300 }
      },
      null,
      2
    )
  );
} finally {
  await database.close();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
  rmSync2(folder, { recursive: true, force: true });
}
