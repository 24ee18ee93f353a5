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
    "ur": "your", "yr": "your", "r": "are", "im": "i'm", "dont": "don't", "cant": "can't",
    "wont": "won't", "didnt": "didn't", "abt": "about", "frm": "from",
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
# written. Inflections of banking words (cards, helped) are kept by a suffix rule, and
# number and ordinal words are never corrected.
ENGLISH_WORDS = frozenset(
    {"cancer", "cared", "deposed", "forth", "helped", "historic", "payer", "pleasure",
     "recently", "remote", "removal", "resent", "saving", "slowed", "stole", "stoler",
     "stoles", "suspicions", "thank", "thanked", "transform", "unlock", "unlocked",
     "warming", "freezer"}
)  # fmt: skip

# Suffixes that make an inflection of a vocabulary word (cards, helped, freezing).
INFLECTIONS = ("s", "es", "ed", "d", "ing", "er", "ers", "'s")
