/** A page of a Stripe-like list: `{object: 'list', data, has_more}`. */
export interface ListPage<T> {
  object: 'list'
  data: T[]
  has_more: boolean
}

/** A page from rows read with `limit + 1` (the extra row says more follow). */
export function pageOfRows<T>(rows: readonly T[], limit: number): ListPage<T> {
  return { object: 'list', data: rows.slice(0, limit), has_more: rows.length > limit }
}

/** A page of a list held whole (a history, a search's capped results): the items after `startingAfter`'s id. */
export function pageOfList<T>(items: readonly T[], idOf: (item: T) => string, query: { limit: number; starting_after?: string }): ListPage<T> {
  const start = query.starting_after === undefined ? 0 : items.findIndex((item) => idOf(item) === query.starting_after) + 1
  return pageOfRows(items.slice(start, start + query.limit + 1), query.limit)
}
