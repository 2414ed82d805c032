"""Split a restaurant bill, tip included, between several people.

Reads three lines from standard input: the bill amount, the tip percentage
(empty line = 15) and the number of people. Prints the tip, the total and
each person's share, plus the share rounded up to a whole unit of currency.
"""

bill = float(input("Bill amount: ").strip().lstrip("$"))
tip_text = input("Tip % [15]: ").strip().rstrip("%")
tip_percent = float(tip_text) if tip_text else 15.0
people = int(input("People: "))
print()

if bill < 0 or tip_percent < 0:
    print("error: amounts cannot be negative")
elif people < 1:
    print("error: at least one person must pay")
else:
    tip = bill * tip_percent / 100
    total = bill + tip
    share = total / people
    share_rounded_up = int(share) + (1 if share > int(share) else 0)
    print(f"Bill:      {bill:>9.2f}")
    tip_label = f"Tip {tip_percent:.1f}%:"
    print(f"{tip_label:<11}{tip:>9.2f}")
    print(f"Total:     {total:>9.2f}")
    print("-" * 20)
    label = "person" if people == 1 else "people"
    print(f"Split between {people} {label}: {share:.2f} each")
    print(f"Rounded up: {share_rounded_up} each, {share_rounded_up * people - total:.2f} extra")
