#!/usr/bin/python3
# Reads a village statement workbook with openpyxl (an independent reader) and compares it with
# the JSON statement of the same village, year and as-of day. Prints "ok - ..." / "not ok - ...".
# usage: ledger_xlsx_check.py STATEMENT.xlsx STATEMENT.json zh|en
import json
import sys

import openpyxl

xlsx, js, lang = sys.argv[1], sys.argv[2], sys.argv[3]
wb = openpyxl.load_workbook(xlsx)
st = json.load(open(js, encoding="utf-8"))
fails = 0


def check(desc, cond):
    global fails
    print(("ok - " if cond else "not ok - ") + desc)
    if not cond:
        fails += 1


names = {"zh": ["收益公示", "应收与到账", "欠款账龄", "拨付与使用", "封存校验码"],
         "en": ["Statement", "Income", "Owed by age", "Paid out and used", "Seals"]}[lang]
check("the sheets are %s (got %s)" % (" ".join(names), " ".join(wb.sheetnames)),
      wb.sheetnames == names)
cover, inc, age, use, seals = (wb[n] for n in wb.sheetnames)
PART = {"zh": {"coal": "燃煤标杆电价部分（电网结算）", "subsidy": "可再生能源电价补贴",
               "pending": "补贴（待纳入补贴目录）"},
        "en": {"coal": "Coal-benchmark part", "subsidy": "Renewable-energy subsidy",
               "pending": "Subsidy pending catalogue listing"}}[lang]


def fen(v):
    return round(v * 100)


def rows(ws):
    return [list(r) for r in ws.iter_rows(min_row=2, values_only=True)]


title = cover["A1"].value or ""
check("the cover's title names the village (%s)" % title, st["village_name"] in title)
if lang == "zh":
    check("the cover's title is Chinese", "村级光伏扶贫电站收益公示" in title)
check("the cover says the year as a number", cover["B6"].value == st["year"])
check("the cover says the as-of day", cover["B7"].value == st["as_of"])
ans = cover["B9"].value or ""
check("the cover carries the one-line answer (%s)" % ans,
      ("本年到账" if lang == "zh" else "Received this year") in ans)

ir = rows(inc)
check("income: one row per part and payer, then the total", len(ir) == len(st["income"]) + 1)
for o, r in zip(st["income"], ir):
    what = "%s/%s" % (o["payer"], o["part"])
    check("income %s: the part in words (%s)" % (what, r[0]), r[0] == PART[o["part"]])
    check("income %s: amounts are numbers" % what,
          all(isinstance(x, (int, float)) for x in r[2:5]))
    check("income %s: accrued, received, outstanding equal the JSON to the fen" % what,
          [fen(x) for x in r[2:5]] == [o["accrued_year_fen"], o["received_year_fen"],
                                        o["outstanding_fen"]])
    check("income %s: owed since" % what, r[5] == o["owed_since"])
tot = ir[-1]
check("income: the total row adds up",
      [fen(x) for x in tot[2:5]] == [sum(o[k] for o in st["income"]) for k in
                                     ("accrued_year_fen", "received_year_fen", "outstanding_fen")])
check("income: the outstanding total equals the statement's", fen(tot[4]) == st["outstanding_fen"])

ar = rows(age)
keys = ["not_due", "overdue_0_1y", "overdue_1_2y", "overdue_over_2y"]
for o, r in zip(st["income"], ar):
    check("ages %s/%s equal the JSON" % (o["payer"], o["part"]),
          [fen(x) for x in r[2:6]] == [o["outstanding_by_age_fen"][k] for k in keys])
    check("ages %s/%s add up to the outstanding" % (o["payer"], o["part"]),
          sum(fen(x) for x in r[2:6]) == o["outstanding_fen"])

ur = rows(use)
check("paid to the village account this year", fen(ur[0][1]) == st["disbursed_year_fen"])
used = [fen(r[1]) for r in ur[1:5]]
check("used this year by category",
      used == [st["used_year_fen"][k] for k in ("jobs", "works", "awards", "other")])
check("the village account's balance", fen(ur[5][1]) == st["village_account_fen"])
check("held at the county", fen(ur[6][1]) == st["county_held_fen"])
check("money cells carry a yuan format", use["B2"].number_format == "#,##0.00")

sr = rows(seals)
check("twelve months of seals", len(sr) == 12)
notsealed = "未封存" if lang == "zh" else "not sealed"
check("each month's seal equals the JSON",
      all(r[0] == s["month"] and r[1] == (s["seal"] or notsealed) for r, s in zip(sr, st["seals"])))
check("the header row is frozen", inc.freeze_panes == "A2")
print("%d failed" % fails)
sys.exit(1 if fails else 0)
