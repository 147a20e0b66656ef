/**
 * The Italian validators of stdnum (codice fiscale, partita IVA), the only ones we use, imported
 * alone: the package's index loads the validators of every country (about 300 CommonJS modules,
 * a quarter of a second at each start of a command that touches an account).
 */
export { codicefiscale, iva } from 'stdnum/lib/cjs/it/index.js'
