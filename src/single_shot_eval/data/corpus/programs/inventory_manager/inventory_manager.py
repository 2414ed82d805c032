"""Track stock from stdin commands (add SKU CATEGORY QTY PRICE NAME..., sell/restock SKU QTY)
and print a valuation report; items with fewer than LOW units (argv[1], default 5) are flagged."""
import sys
from dataclasses import dataclass
from enum import Enum


class Category(Enum):
    FOOD = "food"
    OFFICE = "office"
    TOOLS = "tools"
    TOYS = "toys"


@dataclass
class Item:
    sku: str
    name: str
    category: Category
    quantity: int
    unit_price_cents: int

    @property
    def value_cents(self):
        return self.quantity * self.unit_price_cents

    def __lt__(self, other):
        return (self.category.value, -self.value_cents, self.sku) < (
            other.category.value, -other.value_cents, other.sku)

    def __str__(self):
        return (f"{self.category.value:<7} {self.sku:<6} {self.name:<16} {self.quantity:>4} x "
                f"{money(self.unit_price_cents):>7} = {money(self.value_cents):>9}")


def money(cents):
    return f"{cents / 100:.2f}"


def parse_price(text):
    value = float(text)
    if not 0 <= value < 1e9:
        raise ValueError(f"invalid price '{text}'")
    return round(value * 100)


def parse_quantity(text):
    if not text.isdigit() or int(text) == 0:
        raise ValueError(f"quantity must be a positive integer, got '{text}'")
    return int(text)


def execute(items, words):
    """Apply one command and return the revenue in cents it earned."""
    match words:
        case ["add", sku, category, quantity, price, *name] if name:
            if sku in items:
                raise ValueError(f"duplicate sku {sku}")
            items[sku] = Item(sku, " ".join(name), Category(category),
                              parse_quantity(quantity), parse_price(price))
        case ["sell", sku, quantity]:
            item, count = items[sku], parse_quantity(quantity)
            if count > item.quantity:
                raise ValueError(f"only {item.quantity} of {sku} in stock")
            item.quantity -= count
            return count * item.unit_price_cents
        case ["restock", sku, quantity]:
            items[sku].quantity += parse_quantity(quantity)
        case _:
            raise ValueError(f"unknown command '{' '.join(words)}'")
    return 0


if __name__ == "__main__":
    low_stock = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    items, revenue_cents = {}, 0
    for number, line in enumerate(sys.stdin, start=1):
        try:
            revenue_cents += execute(items, line.split()) if line.split() else 0
        except KeyError as error:
            print(f"line {number}: unknown sku {error}")
        except ValueError as error:
            print(f"line {number}: {error}")
    for item in sorted(items.values()):
        print(item)
    print(f"stock value: {money(sum(item.value_cents for item in items.values()))}")
    print(f"revenue: {money(revenue_cents)}")
    low = sorted((item.quantity, item.sku) for item in items.values() if item.quantity < low_stock)
    print("low stock: " + (", ".join(f"{sku} ({qty})" for qty, sku in low) or "none"))
