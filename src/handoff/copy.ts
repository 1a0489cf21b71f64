/** In the customer's thread when an agent gives it back to Fin. */
export const HANDED_BACK_NOTICE = ':robot_face: Fin is answering in this thread again.';

/** Above a reply Fin sent while people owned the conversation, in the escalation post's thread in the agents' channel. */
export const HELD_REPLY_HEADER =
  ':robot_face: *Fin replied in this conversation while your team has it.* The customer did not see this in Slack:';
