/**
 * Whether Fin's reply tells the customer a person will take over ("I'm passing you to our support team", "a
 * teammate will follow up"). Fin writes such a sentence before most escalations, and then the app's own notice would
 * say it a second time; an ordinary answer followed by an escalation rule does not, and then the notice is needed.
 * English phrasings only: a reply this does not recognise leaves the notice in place, which at worst says it twice.
 */
const WHO = '(?:team|teammate|colleague|agent|person|human|someone|somebody|specialist|support|staff|expert|representative)';
const HANDING = new RegExp(String.raw`\b(?:pass|transfer|connect|hand|escalat|forward|rout|refer)\w*\b[^.!?\n]{0,60}\b${WHO}`, 'i');
const FOLLOWING = new RegExp(
  String.raw`\b${WHO}s?\b[^.!?\n]{0,60}\b(?:will|'ll|’ll|is going to|are going to|shall)\b[^.!?\n]{0,40}\b(?:follow|get back|reply|respond|answer|contact|reach|help|be in touch|be with you|join|take over|look)`,
  'i',
);

export function saysHandOff(text: string): boolean {
  return HANDING.test(text) || FOLLOWING.test(text);
}
