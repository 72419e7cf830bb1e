// A section's tabs (Alertas, Rede, Configuração): links with the current one marked.
import { useI18n, type MessageKey } from "../lib/i18n";
import { Link } from "../lib/router";

/** One tab: where it leads and its label's key. */
export interface SubNavSection {
  href: string;
  label: MessageKey;
}

/** The tabs of a section; `current` says which one the path belongs to. */
export function SubNav(props: { label: MessageKey; sections: SubNavSection[]; current: (href: string) => boolean }) {
  const { t } = useI18n();
  return (
    <nav className="subnav" aria-label={t(props.label)}>
      <ul>
        {props.sections.map((s) => (
          <li key={s.href}>
            <Link href={s.href} aria-current={props.current(s.href) ? "page" : undefined}>
              {t(s.label)}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}
