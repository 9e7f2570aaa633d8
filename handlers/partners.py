"""Customers and addresses of an order -> res.partner, without duplicates.

Order of matching: the customer binding, then the e-mail (exact, case-insensitive), else a new
contact. Only contacts of the store's company (or shared ones) are matched, never the contact of an
Odoo user or employee; new contacts belong to the store's company unless the store shares its
customers. Billing and shipping addresses become child contacts (invoice / delivery): a delivery
contact is the recipient's name, company, phone and address, reused only when all of them match.
Guest checkouts without e-mail get one contact per address; orders with nothing to match on go to
the store's default customer. B2B orders are sold to the Shopify company (a company contact) with
the buyer as its contact person.
"""

import phonenumbers

from odoo import tools

from ..lib.errors import ConfigurationError, DataError, _lt
from ..lib.gid import payload_gid

ADDRESS_FIELDS = ("street", "street2", "city", "zip", "country_id", "state_id")
RECIPIENT_FIELDS = ("name", "company_name", "phone")


def _same_address(partner, values, fields=ADDRESS_FIELDS):
    return all(
        (partner[key].id if key.endswith("_id") else (partner[key] or False)) == (values[key] or False)
        for key in fields
    )


def normalize_phone(job, phone, country_code):
    """E.164 when phonenumbers can parse it; otherwise kept as given, with a warning on the job."""
    if not phone:
        return False
    try:
        number = phonenumbers.parse(phone, (country_code or "").upper() or None)
    except phonenumbers.NumberParseException:
        number = None  # not a number at all: kept as given, with the warning below
    if number is not None and phonenumbers.is_valid_number(number):
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    job._add_warning(f"Phone '{phone}' kept as given: not a valid number for {country_code or 'any country'}.")
    return phone


class PartnerResolver:
    def __init__(self, job, known_bindings=None):
        self.job = job
        # {gid: binding or empty recordset} the caller already read (handlers/orders.py)
        self.known_bindings = known_bindings or {}
        # Contacts made from orders get no "Contact created" note (as records Odoo makes from incoming
        # mail): their Shopify binding and orders say where they came from. One message less per contact.
        self.env = job.env(context=dict(job.env.context, mail_create_nolog=True))
        self.backend = job.backend_id
        self.company = self.backend.company_id
        self._countries = {}
        self._states = {}  # (country id, code, name) -> res.country.state
        self._staff_partner_ids = None

    # -- geography ---------------------------------------------------------------------------

    def country(self, code, label):
        if not code:
            return self.env["res.country"]
        code = code.upper()
        if code not in self._countries:
            Country = self.env["res.country"]
            self._countries[code] = Country.browse(Country._shopify_sync_country_id(code))
        if not self._countries[code]:
            raise DataError(
                _lt("Country code '%(code)s' of %(label)s is unknown to Odoo.", code=code, label=label),
                fix=_lt("Check the address in Shopify, or add the country in Odoo."),
            )
        return self._countries[code]

    def state(self, country, code, name, label):
        if not (country and (code or name)):
            return self.env["res.country.state"]
        State = self.env["res.country.state"]
        key = (country.id, code, name)
        if key not in self._states:  # an order's customer, billing and shipping addresses: one lookup
            state = State.browse(State._shopify_sync_state_id(country.id, code)) if code else State
            if not state and name:
                state = State.search([("country_id", "=", country.id), ("name", "=ilike", name)], limit=1)
            self._states[key] = state
        state = self._states[key]
        if not state:
            if not country.state_ids:
                return State  # countries without states in Odoo: the province is just text
            raise DataError(
                _lt(
                    "State '%(state)s' (%(state_detail)s) of %(label)s does not exist in Odoo for %(country)s.",
                    state=code or name,
                    state_detail=name or code,
                    label=label,
                    country=country.name,
                ),
                fix=_lt(
                    "Add the state to %(country)s in Odoo (Contacts > Configuration > States), then Retry.",
                    country=country.name,
                ),
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

    # -- scope -------------------------------------------------------------------------------

    def _owner_company(self):
        """company_id of the contacts this store creates."""
        return False if self.backend.share_customers else self.company.id

    def _staff_partners(self):
        """Contacts of Odoo users (internal, archived included), of companies and of employees: an
        order's customer is never matched to one of them."""
        if self._staff_partner_ids is None:
            ids = set()
            for subquery in self._staff_subqueries():
                ids.update(row[0] for row in self.env.execute_query(subquery))
            self._staff_partner_ids = sorted(ids)
        return self._staff_partner_ids

    def _staff_subqueries(self):
        """``_staff_partners`` as SQL sub-selects, for a search to exclude them in its own query."""
        sources = [
            (self.env["res.users"].with_context(active_test=False), [("share", "=", False)], "partner_id"),
            (self.env["res.company"], [], "partner_id"),
        ]
        if "hr.employee" in self.env:
            # Without a work contact an employee would put a NULL in NOT IN (...), which matches nothing.
            employees = self.env["hr.employee"].with_context(active_test=False)
            sources.append((employees, [("work_contact_id", "!=", False)], "work_contact_id"))
        return [model.sudo()._search(domain).subselect(column) for model, domain, column in sources]

    def _candidates(self):
        """Domain of the contacts this store may match: its company's or shared, not staff (their ids
        when a batch looked them up once, else sub-selects of the same search: one query per order)."""
        staff = [self._staff_partner_ids] if self._staff_partner_ids is not None else self._staff_subqueries()
        return [
            ("parent_id", "=", False),
            ("company_id", "in", [False, self.company.id]),
            *(("id", "not in", excluded) for excluded in staff),
        ]

    # -- contacts ----------------------------------------------------------------------------

    @staticmethod
    def _person_name(data, fallback):
        name = " ".join(filter(None, [data.get("first_name"), data.get("last_name")])).strip()
        return name or data.get("name") or fallback

    def order_partners(self, order):
        """(customer, invoice address, delivery address) of an order."""
        customer = self.customer(order)
        # A B2B order's addresses are the company's (its location), not the buyer's.
        holder = customer.commercial_partner_id if order.company_gid else customer
        invoice = self.child_address(holder, order.billing_address, "invoice", f"the billing address of {order.name}")
        delivery = self.child_address(
            holder, order.shipping_address, "delivery", f"the shipping address of {order.name}"
        )
        return customer, invoice, delivery

    def customer(self, order):
        """The contact an order is sold to (created when new). B2B orders: the buyer as a contact
        of the Shopify company, or the company itself."""
        company = self.b2b_company(order)
        buyer = self.buyer(order, company)
        if company and buyer.commercial_partner_id != company:
            return company
        return buyer

    def buyer(self, order, parent=None):
        Partner = self.env["res.partner"]
        binding_model = self.env["shopify.binding"]
        customer = order.customer or {}
        customer_gid = payload_gid("Customer", customer) if customer else None
        if customer_gid in self.known_bindings:
            binding = self.known_bindings[customer_gid]
        else:
            binding = binding_model._find(self.backend, customer_gid) if customer_gid else binding_model
        partner = binding._bound_record()
        if partner:
            return partner
        email = (order.email or customer.get("email") or "").strip()
        if not email:
            return parent or self._guest(order)
        partner = self.by_email(email)
        if not partner:
            partner = Partner.create(self.new_buyer_values(order, email, parent))
        if customer_gid:
            binding_model._bind(self.backend, customer_gid, partner, binding=binding)
        return partner

    def new_buyer_values(self, order, email, parent=None):
        """Values of the contact created for an order's buyer found neither by binding nor e-mail."""
        customer = order.customer or {}
        address = customer.get("default_address") or order.billing_address or {}
        values = self.address_values(address, "the customer's address") if address else {}
        values.update(
            name=self._person_name(customer, email),
            email=email,
            customer_rank=1,
            company_id=self._owner_company(),
            phone=normalize_phone(self.job, customer.get("phone"), address.get("country_code"))
            or values.get("phone", False),
        )
        if parent:
            values.update(parent_id=parent.id, type="contact")
        return values

    def by_email(self, email):
        """The contact with exactly this e-mail, case-insensitive (no pattern: '_' and '%' are
        characters of the address, not wildcards)."""
        normalized = tools.email_normalize(email)
        domain = [("email_normalized", "=", normalized)] if normalized else [("email", "=", email)]
        return self.env["res.partner"].search(domain + self._candidates(), order="id", limit=1)

    def b2b_company(self, order):
        """The company contact of a B2B order's purchasing company (bound to its Shopify id)."""
        if not order.company_gid:
            return self.env["res.partner"]
        bindings = self.env["shopify.binding"]
        partner = bindings._record_for(self.backend, order.company_gid)
        if partner:
            return partner
        address = order.billing_address or order.shipping_address or {}
        name = (address.get("company") or "").strip() or f"Shopify company {order.company_gid.rsplit('/', 1)[-1]}"
        values = self.address_values(address, f"the billing address of {order.name}") if address else {}
        partner = self.env["res.partner"].create(
            dict(values, name=name, is_company=True, customer_rank=1, company_id=self._owner_company())
        )
        bindings._bind(self.backend, order.company_gid, partner)
        return partner

    def _guest(self, order):
        """No e-mail: one contact per billing (or shipping) address; nothing at all: the store's
        default customer."""
        address = order.billing_address or order.shipping_address
        if not address:
            if not self.backend.default_customer_id:
                raise ConfigurationError(
                    _lt(
                        (
                            "Order %(order)s has no customer, e-mail or address, and store %(backend)s has "
                            "no customer for such orders."
                        ),
                        order=order.name,
                        backend=self.backend.name,
                    ),
                    fix=_lt("Choose a 'Customer of orders without one' on the store's Orders tab, then Retry."),
                )
            return self.backend.default_customer_id
        values = self.address_values(address, f"order {order.name}")
        name = self._person_name(address, f"Guest of {order.name}")
        domain = [("name", "=", name), ("email", "=", False)] + self._candidates()
        domain += [(key, "=", values[key]) for key in ADDRESS_FIELDS]
        return self.env["res.partner"].search(domain, limit=1) or self.env["res.partner"].create(
            dict(values, name=name, customer_rank=1, company_id=self._owner_company())
        )

    def child_address(self, partner, address, kind, label):
        """Invoice or delivery contact for an address: the partner itself or a child contact, reused
        only when recipient (name, company, phone) and address are the same."""
        found, values = self.existing_address(partner, address, kind, label)
        if found:
            return found
        company_name = values.pop("company_name")
        child = self.env["res.partner"].create(dict(values, type=kind, parent_id=partner.id))
        if company_name:
            child.company_name = company_name  # Odoo's create() drops it for contacts with a parent
        return child

    def existing_address(self, partner, address, kind, label):
        """(the partner or its child contact for this address, None) or, when there is none,
        (None, the values of the new child contact, company_name included)."""
        if not address:
            return partner, None
        values = self.address_values(address, label)
        values.update(
            name=self._person_name(address, partner.name), company_name=(address.get("company") or "").strip() or False
        )
        # A parcel goes to its recipient: a delivery contact is also the name, company and phone.
        recipient = kind == "delivery"
        compared = ADDRESS_FIELDS + (("name",) + (("phone",) if values["phone"] else ()) if recipient else ())
        if _same_address(partner, values, compared) and not (
            recipient and values["company_name"] and values["company_name"] != partner.commercial_company_name
        ):
            return partner, None
        for child in partner.child_ids.filtered(lambda c: c.type == kind):
            if _same_address(child, values, ADDRESS_FIELDS + (RECIPIENT_FIELDS if recipient else ())):
                return child, None
        return None, values
