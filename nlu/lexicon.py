"""Word tables for normalisation: SMS and speech spellings, banking vocabulary.

Data only. Every value here is a plain, already-normalised spelling, so applying the
tables twice changes nothing (normalisation stays idempotent).
"""

from __future__ import annotations

# Spellings replaced wherever they appear, grouped by what they mean.
VARIANTS: dict[str, str] = {
    # balance
    "bal": "balance", "blance": "balance", "balanse": "balance", "ballance": "balance",
    "balence": "balance", "ballence": "balance", "balnce": "balance", "blnc": "balance",
    "bals": "balance",
    # transfer
    "xfer": "transfer", "xfr": "transfer", "trf": "transfer", "tfr": "transfer",
    "trsf": "transfer", "trnsfr": "transfer", "transfr": "transfer", "tranfer": "transfer",
    "xferred": "transferred",
    # transactions and statements
    "txn": "transaction", "txns": "transactions", "trans": "transactions",
    "trx": "transactions", "trxn": "transactions", "stmt": "statement",
    "stmts": "statements", "hist": "history",
    # accounts
    "acct": "account", "acc": "account", "accnt": "account", "acount": "account",
    "a/c": "account", "accts": "accounts", "chequing": "checking", "chkg": "checking",
    "chking": "checking", "checkin": "checking", "sav": "savings", "savngs": "savings",
    "svgs": "savings", "savs": "savings",
    # payments and money
    "pymt": "payment", "pmt": "payment", "paymt": "payment", "amt": "amount",
    "snd": "send", "sendin": "sending", "dlrs": "dollars", "dollers": "dollars",
    "dolars": "dollars", "dollar's": "dollars", "bux": "bucks", "payed": "paid",
    # question words and pronouns
    "wats": "what's", "wots": "what's", "whats": "what's", "wat's": "what's",
    "wot's": "what's", "wat": "what", "wot": "what", "hw": "how", "u": "you",
    "ur": "your", "yr": "your", "r": "are", "abt": "about", "frm": "from",
    # contractions typed without the apostrophe
    "im": "i'm", "ive": "i've", "dont": "don't", "cant": "can't", "wont": "won't",
    "didnt": "didn't", "doesnt": "doesn't", "isnt": "isn't", "arent": "aren't",
    "wasnt": "wasn't", "werent": "weren't", "havent": "haven't", "hasnt": "hasn't",
    "hadnt": "hadn't", "couldnt": "couldn't", "wouldnt": "wouldn't", "shouldnt": "shouldn't",
    "thats": "that's", "theres": "there's", "wheres": "where's", "youre": "you're",
    "youve": "you've", "theyre": "they're",
    "cud": "could", "cld": "could", "wud": "would", "shud": "should",
    # politeness
    "pls": "please", "plz": "please", "plse": "please", "pleez": "please",
    "thx": "thanks", "thnx": "thanks", "thanx": "thanks", "tnx": "thanks",
    "tks": "thanks", "ty": "thanks", "tq": "thanks",
    # time
    "2day": "today", "tday": "today", "2moro": "tomorrow", "2morrow": "tomorrow",
    "tmrw": "tomorrow", "tmr": "tomorrow", "tomoro": "tomorrow", "yday": "yesterday",
    "yest": "yesterday", "wk": "week", "wks": "weeks", "mnth": "month", "mth": "month",
    "mnths": "months", "mths": "months", "yrs": "years",
    # help and people
    "hlp": "help", "agnt": "agent", "msg": "message", "lst": "last", "helo": "hello",
    # short banking typos (too short for fuzzy correction)
    "crad": "card", "cadr": "card", "lsot": "lost", "scma": "scam",
}  # fmt: skip

# Words that are just speech fillers and are dropped.
FILLERS = frozenset({"um", "umm", "ummm", "uh", "uhh", "uhm", "erm", "er", "err", "hmm", "mm"})

# Words that mean "account" after a word such as "current" or "cheque".
ACCOUNT_NOUNS = frozenset({"account", "accounts"})

# Prepositions and possessives after which "current"/"cheque" name the account.
ACCOUNT_CONTEXT_BEFORE = frozenset({"from", "to", "into", "of", "my", "the", "in"})

# Words before "2" that make it mean "to": verbs that move money and what they move.
TWO_MEANS_TO_AFTER = frozenset(
    {"send", "sent", "transfer", "transferred", "pay", "paid", "give", "gave", "move",
     "moved", "wire", "it", "money", "cash", "dollars", "bucks", "pounds", "euros"}
)  # fmt: skip

# Account words, short forms and "my": "2" between two of them means "to".
ACCOUNT_WORDS = frozenset(
    {"savings", "checking", "account", "chk", "chq", "current", "cheque", "my"}
)

# Words after "2" that keep it a number ("2 dollars", "last 2 weeks").
NUMBER_FOLLOWERS = frozenset(
    {"dollars", "dollar", "bucks", "pounds", "euros", "cents", "pence", "hundred",
     "thousand", "grand", "k", "of", "days", "day", "weeks", "week", "months", "month",
     "years", "year", "hours", "minutes", "transactions", "payments", "bills", "times",
     "more", "and", "or", "pm", "am", "o'clock", "percent", "digits"}
)  # fmt: skip

# Targets of fuzzy correction: the banking words customers misspell.
BANKING_VOCABULARY = frozenset(
    {"balance", "transfer", "transactions", "transaction", "savings", "checking", "payment",
     "payments", "statement", "statements", "account", "freeze", "unfreeze", "card",
     "stolen", "lost", "helper", "helpers", "warning", "warnings", "scam", "scams", "fraud",
     "deposit", "withdrawal", "history", "recent", "blocked", "unblock", "payee", "agent",
     "repeat", "slower", "cancel", "please", "thanks", "goodbye", "dollars", "hundred",
     "thousand", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty",
     "ninety", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen",
     "seventeen", "eighteen", "nineteen", "yesterday", "tomorrow", "today", "electric",
     "electricity", "transferred", "daughter", "grandson", "granddaughter", "remove",
     "suspicious", "someone", "representative", "operator"}
)  # fmt: skip

# After a word that introduces a payee ("to", "pay"), only these may be corrected, so
# that names ("pay pearson") are never turned into other banking words.
AFTER_TRIGGER_VOCABULARY = frozenset(
    {"savings", "checking", "account", "dollars", "hundred", "thousand", "twenty", "thirty",
     "forty", "fifty", "sixty", "seventy", "eighty", "ninety", "eleven", "twelve",
     "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"}
)  # fmt: skip

# Short forms that could be a name ("pay ty 50"): not respelled right after a payee trigger.
NAME_LIKE_VARIANTS = frozenset({"ty", "tq", "tks", "tnx", "r", "wat", "wot", "im", "hw", "cud"})

# "to" after these starts a verb ("want to freez my card"), not a payee's name.
INFINITIVE_BEFORE_TO = frozenset(
    {"want", "wanted", "wants", "wanna", "need", "needs", "needed", "like", "going", "have",
     "has", "had", "try", "trying", "tried", "able", "how", "wish", "used", "about", "ought",
     "plan", "hope", "hoping", "way", "time", "please"}
)  # fmt: skip

# Words that introduce a payee name.
PAYEE_TRIGGERS = frozenset({"to", "pay", "paying", "send", "sending", "give", "giving"})

# Common English words (5+ letters) within a typo or two of a banking word but right as
# written, on top of the generated list in ``nlu.english_words``. Inflections of known
# words (cards, helped, operated) are kept by a suffix rule, and number and ordinal words
# are never corrected.
ENGLISH_WORDS = frozenset(
    {"cancer", "cared", "deposed", "forth", "helped", "historic", "payer", "pleasure",
     "recently", "remote", "removal", "resent", "saving", "slowed", "stole", "stoler",
     "stoles", "suspicions", "thank", "thanked", "transform", "unlock", "unlocked",
     "warming", "freezer",
     # everyday words a caller uses that sit near "warning", "repeat", "statement"...
     "working", "waiting", "wanting", "warring", "warping", "warding", "waning", "morning",
     "sending", "spending", "checking", "chucking", "wondering", "worried", "worrying",
     "evening", "sayings", "statesmen", "frieze", "scans", "scars", "seams", "repent",
     "recant", "regent", "reheat", "retreat", "repeal", "pleas", "thinks", "transition",
     "transitions", "translation", "translations", "transformed", "transport",
     "transported", "representation", "handled", "parents", "patient", "respect",
     "receipt", "receipts", "resolve", "recover", "operate", "electronic", "dollar",
     "withdraw", "withdrawn", "withdrawing", "transferring", "blocker", "remover",
     "helmet", "slowly", "payable", "cheating", "clicking", "thousands"}
)  # fmt: skip

# Suffixes that make an inflection of a vocabulary word (cards, helped, freezing).
INFLECTIONS = ("s", "es", "ed", "d", "ing", "er", "ers", "'s")

# "4" means "for" in SMS ("thx 4 that") unless money is being moved: these words before
# it (within a few words) keep it a number ("send 4 to tom", "pay him 4 now").
MONEY_BEFORE = frozenset(
    """send sends sent sending pay pays paid paying transfer transfers transferred move moves
    moved moving give gives gave giving xfer wire wired deposit deposited withdraw withdrew
    lend lent owe owed owes cost costs charge charged price fee fees bill amount total worth
    spend spent put add""".split()
)
# Currency words: one near "4", on either side, keeps it a number ("4 me, in dollars").
CURRENCY_WORDS = frozenset(
    """dollar dollars buck bucks bux pound pounds quid euro euros cent cents pence usd gbp
    eur""".split()
)
# Words before "4" that make it a time, date, count or identifier ("at 4", "last 4").
NOT_FOR_BEFORE = frozenset(
    """at by around till until before after past about from since to between of in on
    last previous next first top recent latest final the a my no number card ending
    ends end digits pin code account room flat apartment street page step option press
    extension ext ref id age aged is was are were be like only just maybe approx
    approximately roughly nearly almost over under than""".split()
)
# Words after "4" that it is "for": "4 me", "bye 4 now", "thanks 4 ur help" (and any
# word ending in "ing": "thx 4 calling").
FOR_OBJECTS = frozenset(
    """me you u your ur yours him her them us it that this these those my our his their
    the a an all everything anything nothing something now sure ages real good ever free
    help today tonight""".split()
)
# Of those, the people money can be for: "4" right after an amount before one of these is
# "for" ("send 20 dollars 4 me"), not cents.
FOR_PEOPLE = frozenset("me you u him her them us my your ur his our their".split())
