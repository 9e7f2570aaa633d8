"""Customers and addresses of an order -> res.partner, without duplicates.

Order of matching: the customer binding, then the e-mail, else a new contact. Billing and shipping
addresses become child contacts (invoice / delivery), reused when the same address comes again.
Guest checkouts without e-mail get one contact per address.
"""

import phonenumbers

from ..lib.errors import DataError
from ..lib.gid import payload_gid

ADDRESS_FIELDS = ("street", "street2", "city", "zip", "country_id", "state_id")


def _same_address(partner, values):
    return all((partner[key].id if key.endswith("_id") else partner[key]) == values[key] for key in ADDRESS_FIELDS)


def normalize_phone(job, phone, country_code):
    """E.164 when phonenumbers can parse it; otherwise kept as given, with a warning on the job."""
    if not phone:
        return False
    try:
        number = phonenumbers.parse(phone, (country_code or "").upper() or None)
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    except phonenumbers.NumberParseException:
        pass
    job._add_warning(f"Phone '{phone}' kept as given: not a valid number for {country_code or 'any country'}.")
    return phone


class PartnerResolver:
    def __init__(self, job):
        self.job = job
        self.env = job.env
        self.backend = job.backend_id
        self.company = self.backend.company_id
        self._countries = {}

    # -- geography ---------------------------------------------------------------------------

    def country(self, code, label):
        if not code:
            return self.env["res.country"]
        code = code.upper()
        if code not in self._countries:
            self._countries[code] = self.env["res.country"].search([("code", "=", code)], limit=1)
        if not self._countries[code]:
            raise DataError(f"Country code '{code}' of {label} is unknown to Odoo.",
                            fix="Check the address in Shopify, or add the country in Odoo.")
        return self._countries[code]

    def state(self, country, code, name, label):
        if not (country and (code or name)):
            return self.env["res.country.state"]
        State = self.env["res.country.state"]
        state = State.search([("country_id", "=", country.id), ("code", "=ilike", code)], limit=1) if code else State
        if not state and name:
            state = State.search([("country_id", "=", country.id), ("name", "=ilike", name)], limit=1)
        if not state:
            if not country.state_ids:
                return State  # countries without states in Odoo: the province is just text
            raise DataError(
                f"State '{code or name}' ({name or code}) of {label} does not exist in Odoo for {country.name}.",
                fix=f"Add the state to {country.name} in Odoo (Contacts > Configuration > States), then Retry.",
            )
        return state

    def address_values(self, address, label):
        country = self.country(address.get("country_code"), label)
        state = self.state(country, address.get("province_code"), address.get("province"), label)
        return {
            "street": address.get("address1") or False,
            "street2": address.get("address2") or False,
            "city": address.get("city") or False,
            "zip": address.get("zip") or False,
            "country_id": country.id or False,
            "state_id": state.id or False,
            "phone": normalize_phone(self.job, address.get("phone"), address.get("country_code")),
        }

    # -- contacts ----------------------------------------------------------------------------

    @staticmethod
    def _person_name(data, fallback):
        name = " ".join(filter(None, [data.get("first_name"), data.get("last_name")])).strip()
        return name or data.get("name") or fallback

    def customer(self, order):
        """The commercial contact of an order (created when new)."""
        Partner = self.env["res.partner"]
        binding_model = self.env["shopify.binding"]
        customer = order.customer or {}
        customer_gid = payload_gid("Customer", customer) if customer else None
        if customer_gid:
            partner = binding_model._record_for(self.backend, customer_gid)
            if partner:
                return partner
        email = (order.email or customer.get("email") or "").strip()
        partner = Partner
        if email:
            partner = Partner.search([
                ("email", "=ilike", email), ("parent_id", "=", False),
                ("company_id", "in", [False, self.company.id]),
            ], limit=1)
        if not partner and not email:
            return self._guest(order)
        if not partner:
            address = customer.get("default_address") or order.billing_address or {}
            values = self.address_values(address, "the customer's address") if address else {}
            values.update(
                name=self._person_name(customer, email), email=email, customer_rank=1,
                phone=normalize_phone(self.job, customer.get("phone"), address.get("country_code"))
                or values.get("phone", False),
            )
            partner = Partner.create(values)
        if customer_gid:
            binding_model._bind(self.backend, customer_gid, partner)
        return partner

    def _guest(self, order):
        """No e-mail: one contact per billing (or shipping) address."""
        address = order.billing_address or order.shipping_address
        if not address:
            raise DataError(f"Order {order.name} has no customer, e-mail or address.",
                            fix="Nothing to match a contact on: add a customer to the order in Shopify.")
        values = self.address_values(address, f"order {order.name}")
        name = self._person_name(address, f"Guest of {order.name}")
        domain = [("name", "=", name), ("email", "=", False), ("parent_id", "=", False)]
        domain += [(key, "=", values[key]) for key in ADDRESS_FIELDS]
        return self.env["res.partner"].search(domain, limit=1) or self.env["res.partner"].create(
            dict(values, name=name, customer_rank=1))

    def child_address(self, partner, address, kind, label):
        """Invoice or delivery child contact for an address, reused when identical."""
        if not address:
            return partner
        values = self.address_values(address, label)
        name = self._person_name(address, partner.name)
        if _same_address(partner, values):
            return partner
        for child in partner.child_ids.filtered(lambda c: c.type == kind):
            if _same_address(child, values):
                return child
        return self.env["res.partner"].create(dict(values, name=name, type=kind, parent_id=partner.id))
