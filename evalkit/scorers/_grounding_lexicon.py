"""Word lists of the groundedness scorer: function words, negations, discourse words,
common acronyms and the words that open a sentence without belonging to a name.

Plain frozensets and dicts, so membership is a hash lookup and the scorer pickles trivially
for a process pool. Every list says in its docstring why its words are set apart.
"""

from __future__ import annotations

__all__ = [
    "COMMON_ACRONYMS",
    "DISCOURSE",
    "LEADING",
    "LIGHT_WORDS",
    "META_WORDS",
    "NEGATIONS",
    "PLACE_ACRONYMS",
    "QUANTIFIERS",
    "REQUEST_VERBS",
    "STOPWORDS",
    "UNIT_MEASURES",
    "UNIT_WORDS",
    "wordlist",
    "wordset",
]


def wordlist(text: str) -> list[str]:
    """The words of a whitespace-separated list, in order."""
    return text.split()


def wordset(text: str) -> frozenset[str]:
    """The words of a whitespace-separated list, for membership tests."""
    return frozenset(text.split())


STOPWORDS = wordset(
    """a about above across after again against all along also am amid among an and any are as
    at be because been
    before being below between both but by can could did do does doing down during each either
    few for from further had has have having he her here hers herself him himself his how i if
    in into is it its itself just me more most my myself neither no nor not of off on once only
    or other our ours ourselves out over own same she should so some such than that the their
    theirs them themselves then there these they this those through to too under until up upon
    very was we were what when where which while who whom whose why will with within without
    would you your yours yourself yourselves s t also although however thus therefore hence yet
    well still even may might must shall one ones another its it's that's there's yes
    i'm i've i'll i'd you're you've you'll you'd we're we've we'll we'd they're they've they'll
    it'll here's what's let's per via onto till since toward towards despite versus vs every"""
)
"""Function words: never evidence of support, never counted as novel content."""

META_WORDS = wordset(
    "passage passages text article document documents source sources summary summarise "
    "summarize summarized summarised context provided provides provide mention mentions "
    "mentioned describe describes described discuss discusses discussed information details "
    "excerpt snippet report reports reported highlight highlights state states stated note "
    "yes overall"
)
"""Words about the source itself ("the passage describes ..."): not claims about the world."""
NEGATIONS = wordset("not no never none nor neither cannot can't won't n't without non")
"""Negation words. ``non`` is the prefix of a hyphenated word ("non-refundable" is also read
as "non", "refundable"): it flips the word after it exactly as "not" does."""
DISCOURSE = wordset(
    """sorry apologies apologise apologize unfortunately fortunately luckily sadly regrettably
    happily please kindly thanks thank hi hello hey okay ok yeah yep yup nope sure certainly
    absolutely definitely alright indeed actually basically additionally moreover furthermore"""
)
"""Interjections, apologies, politeness and sentence adverbs: the tone of an answer, not its
content. They are never content words, never part of a name ("Unfortunately Final Sale" is
the name "Final Sale") and never evidence of support."""
REQUEST_VERBS = wordset(
    """send email mail call contact visit include attach provide reply share keep bring upload
    submit enter fill print pack return check click open select go use make remember ensure"""
)
"""Verbs that open an instruction addressed to the user ("Send us the order number ...")."""
LIGHT_WORDS = wordset(
    """go goes going went gone get gets getting got gotten come comes came back
    dollar dollars usd euro euros eur pound pounds gbp sterling yen jpy cad aud chf cent cents
    percent pay pays paying paid"""
)
"""Light verbs and particles that carry no fact of their own ("your refund goes back to the
card" for "refunds are issued to the card"), and currency names, which say in words what a
symbol says ("29 euros" for "€29", "15 percent" for "15%"; the amount itself is checked as a
number), and "pay", which only ties an amount to its payer ("EU customers pay €99 for Pro"
against a price table's row, whose header says "Price"): never content words. ("costs" is
not among them: in a passage it keeps "$12 per month or $120 per year" apart.)"""

COMMON_ACRONYMS = wordset(
    """tv pc id ok ai it hr pr qa faq faqs usb gps pdf pdfs url urls
    ceo cfo cto coo vp dna rna hiv aids covid gdp vat gst pst hst tax am pm est pst cst mst
    gmt utc et pt ct mt edt pdt cdt mdt cet cest bst ist aest
    usd eur gbp jpy cad aud chf cny inr nzd hkd sgd sek nok dkk
    bc ad ce bce km kg mg ml cm mm mph kph kb mb gb tb lb lbs oz ft
    fbi cia nasa nato who irs sms atm pin
    api sdk app faq diy asap rsvp fyi etc ie eg nb ps vs mr mrs ms dr st jr sr ltd inc llc
    co corp plc"""
)
"""Acronyms that are common knowledge rather than names a passage must contain, and units
written in capitals (measures: "50 GB" says what "50 gigabytes" says, the number and its unit
are checked by the number check; currency codes: "49 GBP" says what "£49" says, the amount is
checked as a number; clock and time-zone abbreviations: "2:00 PM ET"). Places are not among
them: see :data:`PLACE_ACRONYMS`. Any other all-capital word ("UPS", "DHL", "ACME") is a
name: an invented carrier or product is exactly what a support answer must not make up."""

PLACE_ACRONYMS: dict[str, tuple[str, ...]] = {
    "us": ("united states", "usa"),
    "usa": ("united states", "us"),
    "uk": ("united kingdom", "great britain", "britain"),
    "eu": ("european union",),
    "un": ("united nations",),
    "uae": ("united arab emirates",),
}
"""Place acronyms are names ("We ship to the US" against a passage that ships to Canada
only), matched against their other spellings too, each a whole word or phrase (the passage
index adds the acronym where a sentence spells it out, and the spelled-out words where it
writes the acronym; "U.S." is "us" already, see
:func:`~evalkit.scorers._grounding_text.words`)."""

QUANTIFIERS = wordset("all any both each either every few many most neither several some")
"""Quantifiers: opening a sentence they count the names after them ("Both the Pro and Team
plans", "Several Gold members") and are never part of a name."""

UI_IMPERATIVES = wordset("click tap press enter type pick hit navigate scroll")
"""Imperatives of a user interface that open support answers ("Click Forgot password", "Type
the code"): how to act, not a fact. They are no part of the name after them (see
:data:`LEADING`) and, opening a claim, no word a passage must hold ("enter the code"
supports "Type the code")."""

LEADING = (
    DISCOURSE
    | QUANTIFIERS
    | UI_IMPERATIVES
    | wordset(
        """also however yes no so well still then now thus therefore hence see contact call
        visit email ask check use try read open select choose reach message text tell write
        go dear hi hello hey hiya howdy"""
    )
)
"""Words that open a sentence without belonging to the name after them: discourse words,
quantifiers, greetings ("Dear Platinum members" names Platinum) and the imperatives support
answers open with ("Contact the Help Desk", "See the FAQ", "Click Forgot password", "Tap
Settings")."""

UNIT_WORDS = {
    "year": "year years yr yrs",
    "month": "month months mo mos",
    "week": "week weeks wk wks",
    "fortnight": "fortnight fortnights",
    "day": "day days",
    "hour": "hour hours hr hrs h",
    "minute": "minute minutes min mins",
    "second": "second seconds sec secs",
    "percent": "percent pct %",
    "byte": "byte bytes",
    "kb": "kb kilobyte kilobytes",
    "mb": "mb megabyte megabytes",
    "gb": "gb gigabyte gigabytes",
    "tb": "tb terabyte terabytes",
    "kg": "kg kgs kilo kilos kilogram kilograms",
    "gram": "g gram grams",
    "mg": "mg milligram milligrams",
    "pound": "lb lbs pound pounds",
    "gbp": "gbp sterling £",
    "ounce": "oz ounce ounces",
    "ton": "ton tons",
    "tonne": "t tonne tonnes",
    "km": "km kilometre kilometres kilometer kilometers",
    "metre": "metre metres meter meters",
    "cm": "cm centimetre centimetres centimeter centimeters",
    "mm": "mm millimetre millimetres millimeter millimeters",
    "mile": "mile miles mi",
    "foot": "ft foot feet",
    "inch": "inch inches",
    "litre": "l litre litres liter liters",
    "ml": "ml millilitre millilitres milliliter milliliters",
    "mph": "mph",
    "kph": "kph kmh",
    "dollar": "$ us$ ca$ c$ a$ au$ nz$ hk$ s$ sg$ dollar dollars usd cad aud nzd hkd sgd",
    "euro": "€ euro euros eur",
    "yen": "¥ yen jpy",
    "rupee": "₹ rupee rupees inr",
    "franc": "chf franc francs",
    "cent": "cent cents ¢",
    "degree": "degree degrees",
}
"""Each unit the number check reads, with the words that write it (a dollar's country prefix,
``CA$``, ``A$``, ``NZ$``, ``HK$``, ``S$``, is written onto its sign: see
:data:`~evalkit.scorers._grounding_units.DOLLAR_PREFIXES`) (see
:data:`~evalkit.scorers._grounding_units.UNITS`). ``bday`` (a business, working or banking
day) is not written by one word: a day with such a modifier is one."""

_S, _MO, _MG, _OZ, _MM, _ML = "s", "mo", "mg", "oz", "mm", "ml"
UNIT_MEASURES: dict[str, tuple[tuple[str, float], ...]] = {
    "second": ((_S, 1.0),),
    "minute": ((_S, 60.0),),
    "hour": ((_S, 3600.0),),
    "day": ((_S, 86400.0),),
    "week": ((_S, 604800.0),),
    "fortnight": ((_S, 1209600.0),),
    "month": ((_MO, 1.0),),
    "year": ((_MO, 12.0),),
    "mg": ((_MG, 1.0),),
    "gram": ((_MG, 1e3),),
    "kg": ((_MG, 1e6),),
    "tonne": ((_MG, 1e9), ("tons", 1.0)),
    "ton": (("tons", 1.0),),
    "ounce": ((_OZ, 1.0),),
    "pound": ((_OZ, 16.0), ("pounds", 1.0)),
    "gbp": (("pounds", 1.0),),
    "mm": ((_MM, 1.0),),
    "cm": ((_MM, 10.0),),
    "metre": ((_MM, 1e3),),
    "km": ((_MM, 1e6),),
    "ml": ((_ML, 1.0),),
    "litre": ((_ML, 1e3),),
    "byte": (("B", 1.0), ("iB", 1.0)),
    "kb": (("B", 1e3), ("iB", 2.0**10)),
    "mb": (("B", 1e6), ("iB", 2.0**20)),
    "gb": (("B", 1e9), ("iB", 2.0**30)),
    "tb": (("B", 1e12), ("iB", 2.0**40)),
}
"""The scales a unit converts on, each with the unit's size in it: a quantity in one unit is
the same quantity in another unit of the same scale ("72 months" is "6 years", "1.5 kg" is
"1500 g"). Only exact, unambiguous conversions are here:

- time: seconds to weeks on one scale (``s``), months and years on another (``mo``); days
  and months never meet (a refund policy's "30 days" is not "1 month"), nor weeks and months;
- a business day (``bday``: business, working or banking) converts to nothing, not even to
  a calendar day: "5 business days" is a week or more, so "within 5 days" misstates it (and
  "1 week" is never "5 business days");
- mass: metric (``mg``) and avoirdupois (``oz``: 16 oz = 1 lb) apart, since kg to lb is
  approximate; a ``ton`` (short, long or metric) converts to nothing and only meets a
  ``tonne`` as the same number of ``tons``; pounds (``lb``) and pounds sterling share the
  ``pounds`` count, so "29 pounds" still matches "£29", but sterling weighs nothing;
- length (``mm``) and volume (``ml``): metric only;
- data: decimal (``B``: 1 GB = 1000 MB) and binary (``iB``: 1 GB = 1024 MB) at once. Vendors
  and operating systems use both for the same words, and the two differ by 2.4% to 10%, far
  less than an invented figure does; a quantity in another unit is accepted under either
  convention, never a mix (the same unit is still compared as written: "1000 MB" is not
  "1024 MB").

Currencies, percentages, miles, feet, inches and degrees are not here: they are compared
as written."""
