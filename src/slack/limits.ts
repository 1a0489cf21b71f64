/**
 * Slack's limits the app depends on, in one place, each with where Slack says so. The Block Kit builders (`hitl/`,
 * `handoff/`) keep what they build within them, and the fake Slack (`fakes/slack-api.ts`, through
 * `fakes/block-kit-limits.ts`) refuses what breaks them, as Slack does: a test cannot pass on a message or a form Slack
 * would refuse.
 *
 * Sources are pages of https://docs.slack.dev unless a line says otherwise. A figure Slack does not document is marked
 * *reported*, with who reported it. Characters are counted as JavaScript counts them (UTF-16 code units), never fewer
 * than Slack counts.
 *
 * Only Slack's figures are here, and the one app choice every message depends on (`MESSAGE_LIMIT`). Other cuts the
 * app makes below these (how much of a customer's message an agents' post quotes, say) stay where they are made,
 * named as the app's own.
 */
export const SLACK_LIMITS = {
  message: {
    /**
     * `text` of a posted message: "Slack will truncate messages containing more than 40,000 characters", answering
     * the warning `message_truncated` (/reference/methods/chat.postMessage; api.slack.com/changelog/2018-04-truncating-
     * really-long-messages). The method also lists `msg_too_long`, "Message text is too long".
     */
    text: 40_000,
    /**
     * `text` of `chat.update`: refused with `msg_too_long` from about 4,000 characters. *Reported*, not documented
     * (seratch/ChatGPT-in-Slack #102, "the platform now has a smaller limit"; lightdash #24512; getnao #1323).
     */
    updateText: 4_000,
    /** Blocks in one message: "up to 50 blocks in each message" (/reference/block-kit/blocks). */
    blocks: 50,
    /**
     * The text of all of a message's blocks together (every `text` string in them): beyond it `chat.postMessage`
     * answers `msg_blocks_too_long`, "Blocks submitted with this message are too long" (/reference/methods/
     * chat.postMessage). The figure is *reported*: Slack staff gave "12,000 text characters with a buffer for block
     * containers" (slackapi/bolt-js #2509); one app was refused at 11,341 and accepted at 9,597 by this very count
     * (bolt-js #2867). 10,000 is taken: no report has Slack refuse it.
     */
    blocksText: 10_000,
  },
  /** A modal view (/reference/views, the view payload; `@slack/types` views.ts says the same). */
  modal: {
    /** "Max of 100 blocks" in a modal (/reference/block-kit/blocks: "100 blocks in modals or Home tabs"). */
    blocks: 100,
    /** `title`, `submit` and `close` are plain text of at most 24 characters each. */
    title: 24,
    submit: 24,
    close: 24,
    /** `private_metadata`: "Maximum length of 3000 characters". */
    privateMetadata: 3_000,
    /** `callback_id` and `external_id`: 255 characters each (/reference/methods/views.open: `external_id`). */
    callbackId: 255,
    externalId: 255,
    /** The whole view: `view_too_large`, "if the provided view is greater than 250kb" (/reference/methods/views.open). */
    bytes: 250_000,
  },
  /**
   * A `trigger_id` from a click or a slash command opens a modal (`views.open`, `views.push`) within 3 seconds, once:
   * later it is `expired_trigger_id`, a second time `exchanged_trigger_id` (/interactivity/handling-user-interaction;
   * the errors of /reference/methods/views.open).
   */
  triggerIdMs: 3_000,
  /** `block_id` of any block: "Maximum length for this field is 255 characters" (every page of /reference/block-kit/blocks). */
  blockId: 255,
  /** `action_id` of any element: "Maximum length is 255 characters" (/reference/block-kit/block-elements). */
  actionId: 255,
  /**
   * Any text object, `plain_text` or `mrkdwn`: "The minimum length is 1 and maximum length is 3000 characters"
   * (/reference/block-kit/composition-objects/text-object). Fields below may be shorter still.
   */
  textObject: { min: 1, max: 3_000 },
  /** Section block: `text` 1 to 3,000 characters; `fields` at most 10, each at most 2,000 (/reference/block-kit/blocks/section-block). */
  section: { text: 3_000, fields: 10, fieldText: 2_000 },
  /** Header block: "Maximum length for the text in this field is 150 characters" (/reference/block-kit/blocks/header-block). */
  header: { text: 150 },
  /** Context block: "Maximum number of items is 10" (/reference/block-kit/blocks/context-block). */
  context: { elements: 10 },
  /** Actions block: "There is a maximum of 25 elements in each action block" (/reference/block-kit/blocks/actions-block). */
  actions: { elements: 25 },
  /** Input block: `label` and `hint` at most 2,000 characters each (/reference/block-kit/blocks/input-block). */
  input: { label: 2_000, hint: 2_000 },
  /**
   * Markdown block: "Limit 12,000 characters max", cumulative across a payload's markdown blocks
   * (/reference/block-kit/blocks/markdown-block).
   */
  markdown: { text: 12_000 },
  /** Image block and element: `alt_text` 2,000, `image_url` 3,000, `title` 2,000 (/reference/block-kit/blocks/image-block). */
  image: { altText: 2_000, url: 3_000, title: 2_000 },
  /**
   * Button element: `text` 75, `value` 2,000, `url` 3,000, `accessibility_label` 75
   * (/reference/block-kit/block-elements/button-element).
   */
  button: { text: 75, value: 2_000, url: 3_000, accessibilityLabel: 75 },
  /**
   * Confirmation dialog object: `title` 100, `text` 300, `confirm` and `deny` 30
   * (/reference/block-kit/composition-objects/confirmation-dialog-object).
   */
  confirm: { title: 100, text: 300, confirm: 30, deny: 30 },
  /**
   * Option object: `text` 75, `value` 150, `description` 75, `url` 3,000
   * (/reference/block-kit/composition-objects/option-object; `@slack/types` still says 75 for `value`).
   */
  option: { text: 75, value: 150, description: 75, url: 3_000 },
  /** Option group: `label` 75, at most 100 options (/reference/block-kit/composition-objects/option-group-object). */
  optionGroup: { label: 75, options: 100 },
  /**
   * Select menus (`static_select`, `multi_static_select`): "Maximum number of options is 100", or of option groups
   * 100 (/reference/block-kit/block-elements/select-menu-element).
   */
  select: { options: 100, optionGroups: 100 },
  /** Overflow menu: at most 5 options (/reference/block-kit/block-elements/overflow-menu-element). */
  overflow: { options: 5 },
  /** Radio buttons and checkboxes: "A maximum of 10 options are allowed" (/reference/block-kit/block-elements/radio-button-group-element). */
  radioButtons: { options: 10 },
  checkboxes: { options: 10 },
  /** Any element's `placeholder`: "Maximum length for the text in this field is 150 characters" (every input element's page). */
  placeholder: 150,
  /**
   * Plain-text input: `min_length` 0 to 3,000 and `max_length` 1 to 3,000 ("Acceptable values … between 1 and 3000,
   * inclusive", /reference/block-kit/block-elements/plain-text-input-element).
   */
  plainTextInput: { minLength: 3_000, maxLength: 3_000 },
  /**
   * docs.slack.dev/reference/methods/assistant.threads.setSuggestedPrompts: "up to four suggested prompts", each with a
   * title and a message. The lengths are the app's choice (Slack documents none): a title fits a chip, a message a turn.
   */
  suggestedPrompts: { prompts: 4, title: 75, message: 2_000 },
  /** assistant.threads.setStatus: at most 10 loading messages. */
  threadStatus: { loadingMessages: 10 },
} as const;

/**
 * Calls a minute, per method, per workspace, per app: "Tier 1: 1+ per minute", "Tier 2: 20+", "Tier 3: 50+", "Tier 4:
 * 100+" (/apis/web-api/rate-limits). Slack tolerates bursts above these now and then; they are what an app can count on.
 */
export const RATE_TIERS = { tier1: 1, tier2: 20, tier3: 50, tier4: 100 } as const;

/**
 * `chat.postMessage` in one channel: about one message a second, with short bursts allowed
 * (/apis/web-api/rate-limits, "Posting messages"); the burst of 4 is the app's own, kept small.
 */
export const POST_MESSAGE_PER_CHANNEL = { perMinute: 60, burst: 4 } as const;

/**
 * The tier of each Web API method the app calls (each method's page, "Rate limits"; slackapi/java-slack-sdk
 * MethodsRateLimits.java agrees). `special` methods have limits of their own: `chat.postMessage` about one message a
 * second per channel, with short bursts (/apis/web-api/rate-limits, "Posting messages"); `chat.getPermalink` and
 * `auth.test` hundreds a minute.
 */
export const METHOD_TIERS = {
  'auth.test': 'special',
  'chat.appendStream': 'tier4',
  'chat.delete': 'tier3',
  'chat.getPermalink': 'special',
  'chat.postEphemeral': 'tier4',
  'chat.postMessage': 'special',
  'chat.startStream': 'tier2',
  'chat.stopStream': 'tier2',
  'chat.update': 'tier3',
  'conversations.info': 'tier3',
  'conversations.members': 'tier4',
  'conversations.open': 'tier3',
  'conversations.replies': 'tier3',
  'reactions.add': 'tier3',
  'users.info': 'tier4',
  'views.open': 'tier4',
  'views.update': 'tier4',
} as const satisfies Record<string, keyof typeof RATE_TIERS | 'special'>;

/**
 * The app's own choice, not Slack's: the longest text it puts in one message. `chat.update` is refused from about
 * `SLACK_LIMITS.message.updateText` (4,000) characters, and a long message is hard to read anyway, so final answers
 * are cut well below that and continue in further thread messages (`slack/poster.ts`, `cutIntoParts`).
 */
export const MESSAGE_LIMIT = 3_500;
