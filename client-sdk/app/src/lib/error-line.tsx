/** A failure as the page says it (a sentence, announced), or nothing. */
export function ErrorLine({ text }: { text: string | null }) {
  return text ? (
    <p class="error" role="alert">
      {text}
    </p>
  ) : null;
}
