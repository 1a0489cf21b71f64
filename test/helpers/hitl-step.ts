/**
 * A human-in-the-loop step asking for one value of each kind the agents' form supports (a list with an archived
 * option, which the form leaves out), and a complete, valid answer to it as Slack reports a form's inputs.
 */
export const ATTRIBUTES = [
  { identifier: 'workflow_local_variables.approve', name: 'Approve the refund?', data_type: 'boolean' },
  {
    identifier: 'workflow_local_variables.reason',
    name: 'Reason',
    data_type: 'list',
    options: [
      { id: 'opt-damaged', label: 'Damaged' },
      { id: 'opt-late', label: 'Late delivery' },
      { id: 'opt-old', label: 'Retired reason', archived: true },
    ],
  },
  { identifier: 'workflow_local_variables.amount', name: 'Amount refunded', data_type: 'decimal' },
  { identifier: 'workflow_local_variables.items', name: 'Items returned', data_type: 'integer' },
  { identifier: 'workflow_local_variables.note', name: 'Note to the customer', data_type: 'string' },
  { identifier: 'workflow_local_variables.ship', name: 'Ship the replacement on', data_type: 'date' },
  { identifier: 'workflow_local_variables.call', name: 'Call the customer at', data_type: 'datetime' },
];

export const GOOD_VALUES = {
  attr_0: { value: { type: 'radio_buttons', selected_option: { value: 'true' } } },
  attr_1: { value: { type: 'static_select', selected_option: { value: 'opt-damaged' } } },
  attr_2: { value: { type: 'number_input', value: '12.50' } },
  attr_3: { value: { type: 'number_input', value: '3' } },
  attr_4: { value: { type: 'plain_text_input', value: '  Sorry about that!  ' } },
  attr_5: { value: { type: 'datepicker', selected_date: '2026-12-01' } },
  attr_6: { value: { type: 'datetimepicker', selected_date_time: 1_798_000_000 } },
};

/** What Intercom should receive for GOOD_VALUES: each value in its attribute's JSON type. */
export const GOOD_SENT = [
  { identifier: 'workflow_local_variables.approve', value: true },
  { identifier: 'workflow_local_variables.reason', value: 'opt-damaged' },
  { identifier: 'workflow_local_variables.amount', value: 12.5 },
  { identifier: 'workflow_local_variables.items', value: 3 },
  { identifier: 'workflow_local_variables.note', value: 'Sorry about that!' },
  { identifier: 'workflow_local_variables.ship', value: '2026-12-01' },
  { identifier: 'workflow_local_variables.call', value: new Date(1_798_000_000_000).toISOString() },
];

/** That answer with a wrong value in four inputs (none chosen, not a number, not whole, only spaces)… */
export const BAD_VALUES = {
  ...GOOD_VALUES,
  attr_0: { value: { type: 'radio_buttons', selected_option: null } },
  attr_2: { value: { type: 'number_input', value: 'twelve' } },
  attr_3: { value: { type: 'number_input', value: '2.5' } },
  attr_4: { value: { type: 'plain_text_input', value: '   ' } },
};

/** …and what the form says next to each of them. */
export const BAD_VALUE_ERRORS = {
  attr_0: 'Choose yes or no.',
  attr_2: 'Enter a number.',
  attr_3: 'Enter a whole number.',
  attr_4: 'This value is required.',
};
