"""Models of neural dynamics, frozen dataclasses of parameters validated on construction.

Each model is registered by name (`available`, `get`) so studies and the command line can
name it with a string: ``netaval.models.get("branching")(sigma=1.0)``.
"""

from netaval.models._engine import Outcome, Recorder, State, Task
from netaval.models._registry import available, get, register, unregister
from netaval.models.branching import Branching
from netaval.models.contact_process import ContactProcess
from netaval.models.facilitated_contact import FacilitatedContact
from netaval.models.millman import Millman

__all__ = ["Branching", "ContactProcess", "FacilitatedContact", "Millman", "Outcome", "Recorder",
           "State", "Task", "available", "get", "register", "unregister"]
