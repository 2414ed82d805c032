"""Price orders from stdin through an asyncio producer/consumer pipeline, then sum per customer.

Input lines: ORDER_ID CUSTOMER SKU QUANTITY UNIT_PRICE_CENTS. A producer validates lines and
feeds a bounded asyncio.Queue; WORKERS consumers (argv[1], default 3) price the orders (10 or
more units: 5% off, rounded half up to a cent). Customer summaries come from asyncio.gather,
which returns results in argument order; orders are reported sorted by id.
"""
import asyncio
import sys
from dataclasses import dataclass


@dataclass(frozen=True)
class Order:
    order_id: int
    customer: str
    sku: str
    quantity: int
    unit_cents: int


def money(cents):
    return f"{cents // 100}.{cents % 100:02d}"


async def producer(lines, queue, rejected, workers):
    seen = set()
    for number, line in enumerate(lines, start=1):
        parts = line.split()
        if not parts:
            continue
        if len(parts) != 5 or not all(part.isdigit() for part in parts[:1] + parts[3:]):
            rejected.append(f"line {number}: malformed order '{' '.join(parts)}'")
        elif int(parts[0]) in seen:
            rejected.append(f"line {number}: duplicate order id {int(parts[0])}")
        elif int(parts[3]) == 0:
            rejected.append(f"line {number}: quantity must be positive")
        else:
            seen.add(int(parts[0]))
            await queue.put(Order(int(parts[0]), parts[1], parts[2], int(parts[3]), int(parts[4])))
    for _ in range(workers):
        await queue.put(None)


async def consumer(queue, priced):
    while (order := await queue.get()) is not None:
        await asyncio.sleep(0)  # stands in for a call to a pricing service
        gross = order.quantity * order.unit_cents
        discount = (gross * 5 + 50) // 100 if order.quantity >= 10 else 0
        priced.append((order, gross - discount))


async def summarize(customer, priced):
    await asyncio.sleep(0)
    totals = [total for order, total in priced if order.customer == customer]
    return f"{customer}: {len(totals)} order(s), {money(sum(totals))}"


async def run(lines, workers):
    queue, priced, rejected = asyncio.Queue(maxsize=4), [], []
    consumers = [consumer(queue, priced) for _ in range(workers)]
    await asyncio.gather(producer(lines, queue, rejected, workers), *consumers)
    for order, total in sorted(priced, key=lambda pair: pair[0].order_id):
        print(f"order {order.order_id:>6} {order.customer:<8} {order.sku:<8} "
              f"x{order.quantity:<4} @ {money(order.unit_cents):>7} = {money(total):>9}")
    customers = sorted({order.customer for order, _ in priced})
    for summary in await asyncio.gather(*(summarize(name, priced) for name in customers)):
        print(summary)
    print(f"grand total: {money(sum(total for _, total in priced))}")
    for message in rejected:
        print(f"rejected {message}")


def main():
    if len(sys.argv) > 2 or (len(sys.argv) == 2 and sys.argv[1] not in list("123456789")):
        print("usage: async_order_pipeline.py [WORKERS 1-9]", file=sys.stderr)
        sys.exit(2)
    asyncio.run(run(sys.stdin.read().splitlines(), int(sys.argv[1]) if len(sys.argv) == 2 else 3))


if __name__ == "__main__":
    main()
