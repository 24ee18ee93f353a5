"""The bank's services: the ``BankingService`` boundary, its ledger, views and errors."""

from assistant.banking.errors import (
    BankingError,
    CardAmbiguous,
    CardFrozen,
    CardLost,
    CardNotFound,
    CustomerNotFound,
    IdempotencyConflict,
    InsufficientFunds,
    InvalidAmount,
    InvalidPayee,
    PinLocked,
    SameAccount,
    UnknownAccount,
    UnknownPayee,
)
from assistant.banking.ledger import TRANSACTION_KINDS, TransactionKind
from assistant.banking.ledger_service import LedgerBankingService
from assistant.banking.service import BankingService
from assistant.banking.views import (
    AccountView,
    CardView,
    CustomerView,
    PayeeView,
    Receipt,
    TransactionView,
)

__all__ = [
    "AccountView",
    "BankingError",
    "BankingService",
    "CardAmbiguous",
    "CardFrozen",
    "CardLost",
    "CardNotFound",
    "CardView",
    "CustomerNotFound",
    "CustomerView",
    "IdempotencyConflict",
    "InsufficientFunds",
    "InvalidAmount",
    "InvalidPayee",
    "LedgerBankingService",
    "PayeeView",
    "PinLocked",
    "Receipt",
    "SameAccount",
    "TRANSACTION_KINDS",
    "TransactionKind",
    "TransactionView",
    "UnknownAccount",
    "UnknownPayee",
]
