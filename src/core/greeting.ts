import { BUSINESS_TIME_ZONE } from './calendar'

export type PartOfDay = 'morning' | 'afternoon' | 'evening'

const HOUR = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', hourCycle: 'h23', timeZone: BUSINESS_TIME_ZONE })

/** The part of the day on the Italian wall clock, for a greeting: never "Buongiorno" at 22:37. */
export function partOfDay(instant: Date): PartOfDay {
  const hour = Number(HOUR.format(instant))
  if (hour >= 5 && hour < 13) return 'morning'
  if (hour >= 13 && hour < 18) return 'afternoon'
  return 'evening'
}
