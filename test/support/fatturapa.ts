import { fileURLToPath } from 'node:url'

/** The published FatturaPA schema 1.2.3 and the official examples (test inputs: see its SOURCES.md). */
export const SCHEMA_DIR = fileURLToPath(new URL('../fixtures/fatturapa', import.meta.url))
