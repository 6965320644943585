"""Starts localstripe with its pickle file moved out of the shared /tmp/localstripe.pickle,
and with Stripe's documented decline card declined on charge.

localstripe (PyPI) saves its whole store to one hard-coded path after every write, shared by
every instance on the machine; two stacks (a dev stack and a test run) would overwrite each
other's payments. deskflow's stack passes LOCALSTRIPE_PICKLE, a file in the stack's own data
dir, and this launcher points localstripe's store at it, then runs localstripe's own `start()`
with the command-line arguments given here (e.g. --port 8420 --from-scratch).

localstripe rewrites that file in place after every write: a stop in the middle of one (an
operator's restart, a fault test's `stop localstripe`) leaves it truncated, and localstripe
then refuses to start ("pickle data was truncated"). The launcher writes it whole to a file
beside it and renames that over it, so the file is always the last complete store.
"""
import builtins
import os
import pickle
import sys

from localstripe import resources, server

_PICKLE = os.environ["LOCALSTRIPE_PICKLE"]
_open = builtins.open


def _open_own_pickle(file, *args, **kwargs):
    if file == "/tmp/localstripe.pickle":
        file = _PICKLE
    return _open(file, *args, **kwargs)


# name lookups inside localstripe.resources find this module global before the builtin
resources.open = _open_own_pickle


def _dump_whole(self):
    partial = _PICKLE + ".partial"
    with _open(partial, "wb") as f:
        pickle.dump(self, f, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(partial, _PICKLE)


resources.Store.dump_to_disk = _dump_whole

# Stripe declines pm_card_visa_chargeDeclined (4000000000000002) when it is charged;
# localstripe 1.15.10 declines it only when it is attached to a customer, and authorizes a
# PaymentIntent with it. deskflow's declined-card path needs Stripe's behaviour.
_charging_is_declined = resources.PaymentMethod._charging_is_declined


def _declines_like_stripe(self):
    if self.type == "card" and self._card_number == "4000000000000002":
        return True
    return _charging_is_declined(self)


resources.PaymentMethod._charging_is_declined = _declines_like_stripe

if __name__ == "__main__":
    sys.argv = ["localstripe"] + sys.argv[1:]
    server.start()
