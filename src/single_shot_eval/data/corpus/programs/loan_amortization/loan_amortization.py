"""Print a year-by-year amortization summary for a fixed-rate loan with monthly payments.

usage: loan_amortization.py PRINCIPAL ANNUAL_RATE_PERCENT YEARS [EXTRA_PER_MONTH]
An optional extra monthly payment shortens the loan; the program then reports
when it is paid off and the interest saved.
"""
import sys


def monthly_rate(annual_rate_percent, periods_per_year=12):
    return annual_rate_percent / 100 / periods_per_year


def monthly_payment(principal, annual_rate_percent, months):
    """Standard annuity formula; a zero rate simply spreads the principal evenly."""
    rate = monthly_rate(annual_rate_percent)
    if rate == 0:
        return principal / months
    growth = (1 + rate) ** months
    return principal * rate * growth / (growth - 1)


def money(amount, symbol="$"):
    return f"{symbol}{amount:,.2f}"


def total_interest(principal, annual_rate_percent, months, extra=0.0):
    """Interest paid over the whole loan, month by month, with an optional extra payment."""
    rate = monthly_rate(annual_rate_percent)
    payment = monthly_payment(principal, annual_rate_percent, months)
    balance = principal
    interest_paid = 0.0
    for month in range(months):
        if balance > 0:
            interest = balance * rate
            principal_part = payment + extra - interest
            if principal_part > balance:
                principal_part = balance
            interest_paid += interest
            balance -= principal_part
    return interest_paid


def main():
    principal = float(sys.argv[1])
    annual_rate = float(sys.argv[2])
    years = int(sys.argv[3])
    extra = float(sys.argv[4]) if len(sys.argv) > 4 else 0.0
    if principal <= 0 or years <= 0 or annual_rate < 0 or extra < 0:
        print("error: principal and years must be positive, rates and extras not negative")
        return

    months = years * 12
    rate = monthly_rate(annual_rate)
    payment = monthly_payment(principal, annual_rate, months)
    extra_note = f" + {money(extra)} extra" if extra > 0 else ""
    print(f"Loan {money(principal)} at {annual_rate:.2f}% over {years} years")
    print(f"Monthly payment: {money(payment)}{extra_note}")
    print()
    print(f"{'Year':>4}  {'Interest':>12}  {'Principal':>12}  {'Balance':>14}")

    balance = principal
    year_interest = year_principal = 0.0
    paid_off_month = 0
    for month in range(1, months + 1):
        if balance > 0:
            interest = balance * rate
            principal_part = payment + extra - interest
            if principal_part > balance:
                principal_part = balance
            balance -= principal_part
            year_interest += interest
            year_principal += principal_part
            if balance <= 0.005 and paid_off_month == 0:
                paid_off_month = month
        if month % 12 == 0 and (year_interest > 0 or year_principal > 0):
            print(f"{month // 12:>4}  {money(year_interest):>12}  {money(year_principal):>12}  "
                  f"{money(balance):>14}")
            year_interest = year_principal = 0.0

    interest_with_extra = total_interest(principal, annual_rate, months, extra=extra)
    print(f"\nTotal interest: {money(interest_with_extra)}")
    if extra > 0 and paid_off_month < months:
        saved = total_interest(principal, annual_rate, months) - interest_with_extra
        print(f"Paid off after {paid_off_month} months, saving {money(saved)} in interest")


if __name__ == "__main__":
    main()
