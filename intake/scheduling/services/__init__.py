"""Every write of the scheduling app: `<entity>_<action>`, keyword-only, in a transaction, one
module per sub-domain (DESIGN §3):

- `slots`: the diary's slots, generated from the availability rules and exceptions.
- `booking`: appointments booked, moved, cancelled and attended, with their patient notices.

Import the module (`from intake.scheduling.services import booking`), not the package.
"""
