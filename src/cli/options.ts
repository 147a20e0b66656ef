import { Option } from 'commander'
import { parseCalendarDate, type CalendarDate } from '../core/calendar'
import { parseEuroAmount } from '../core/money'
import { PAYMENT_METHODS } from '../core/vocabulary'
import type { CliText } from './messages'
import { UsageError } from './output'

// The option parsers throw a UsageError rather than commander's InvalidArgumentError, whose
// message commander prefixes with its own English sentence: the operator reads one language.

export const dateOption =
  (t: CliText, option: string) =>
  (value: string): CalendarDate => {
    try {
      return parseCalendarDate(value)
    } catch {
      throw new UsageError(t('invalid.date', { option, value }))
    }
  }

export const positiveInteger =
  (t: CliText, option: string) =>
  (value: string): number => {
    const n = Number(value)
    if (!Number.isInteger(n) || n < 1) throw new UsageError(t('invalid.positiveInteger', { option, value }))
    return n
  }

export const amountOption =
  (t: CliText, option: string) =>
  (value: string): number => {
    try {
      return parseEuroAmount(value)
    } catch {
      throw new UsageError(t('invalid.amount', { option, value }))
    }
  }

export const methodOption = (t: CliText) =>
  new Option('--method <method>', t('option.method')).choices(PAYMENT_METHODS as unknown as string[]).makeOptionMandatory()
