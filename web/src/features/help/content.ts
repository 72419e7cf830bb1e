// The contextual help of every module, as data: a short explanation and the module's set-up steps in
// pt-BR and English. A step with `detect` is ticked from the API (when the caller may read it); the
// others are ticked by the person and kept in their preferences (help_progress). Loaded with the
// help panel only (its own chunk), so the text does not weigh on the first screen.
import type { Permission } from "../../lib/types";

export type HelpModule = "home" | "devices" | "network" | "provisioning" | "monitoring" | "alerts" | "tools" | "reports" | "jobs" | "admin";
export const HELP_MODULES: readonly HelpModule[] = ["home", "devices", "network", "provisioning", "monitoring", "alerts", "tools", "reports", "jobs", "admin"];

type Text = { "pt-BR": string; en: string };

/**
 * How a step is detected: GET `url` (a page) needs `permission`; `any` is done when the page holds
 * something, `many` when it holds two or more, `seen` when an item has been seen (`last_seen_at`).
 */
export interface Detector {
  url: string;
  permission: Permission;
  test: "any" | "many" | "seen";
}

export interface HelpStep {
  id: string;
  title: Text;
  hint?: Text;
  detect?: Detector;
  /** Where the step is done. */
  href?: string;
}

export interface HelpContent {
  title: Text;
  intro: Text;
  steps: HelpStep[];
}

const any = (url: string, permission: Permission): Detector => ({ url, permission, test: "any" });

export const HELP: Record<HelpModule, HelpContent> = {
  home: {
    title: { "pt-BR": "Início", en: "Home" },
    intro: {
      "pt-BR": "O resumo do provedor: dispositivos por status e por POP, ONUs fora da faixa de sinal, tarefas e filas. Os números se atualizam sozinhos enquanto a conexão ao vivo estiver ativa.",
      en: "The provider at a glance: devices per status and per POP, ONUs out of the signal range, tasks and queues. The figures update by themselves while the live connection is on.",
    },
    steps: [
      { id: "pop", title: { "pt-BR": "Cadastrar o primeiro POP", en: "Add the first POP" }, detect: any("/api/v1/pops?limit=1", "pops.read"), href: "/network" },
      { id: "device", title: { "pt-BR": "Ter um dispositivo registrado", en: "Have a device registered" }, detect: any("/api/v1/devices?limit=1", "devices.read"), href: "/devices" },
      { id: "alert-rule", title: { "pt-BR": "Criar ou instalar regras de alerta", en: "Create or install alert rules" }, detect: any("/api/v1/alert-rules?limit=1", "alerts.read"), href: "/alerts/rules" },
      {
        id: "preferences",
        title: { "pt-BR": "Escolher tema, idioma e fuso horário", en: "Choose theme, language and time zone" },
        hint: { "pt-BR": "Em Preferências, no menu do usuário (⚙).", en: "In Preferences, from the user menu (⚙)." },
        href: "/preferences",
      },
    ],
  },
  devices: {
    title: { "pt-BR": "Dispositivos", en: "Devices" },
    intro: {
      "pt-BR": "Todos os equipamentos do provedor: CPEs e ONTs gerenciados por TR-069 e equipamentos monitorados por SNMP. Os filtros ficam no endereço da página, para compartilhar uma visão.",
      en: "Every piece of the provider's equipment: CPEs and ONTs managed over TR-069 and equipment monitored over SNMP. Filters live in the page address, so a view can be shared.",
    },
    steps: [
      { id: "device", title: { "pt-BR": "Ter um dispositivo registrado", en: "Have a device registered" }, detect: any("/api/v1/devices?limit=1", "devices.read") },
      { id: "group", title: { "pt-BR": "Criar um grupo de dispositivos", en: "Create a device group" }, detect: any("/api/v1/device-groups?limit=1", "devices.read") },
      {
        id: "assign",
        title: { "pt-BR": "Vincular dispositivos a POPs e clientes", en: "Link devices to POPs and customers" },
        hint: { "pt-BR": "Na página do POP ou do cliente, em Rede.", en: "On the POP's or customer's page, under Network." },
        href: "/network",
      },
      {
        id: "inspect",
        title: { "pt-BR": "Abrir a página de um dispositivo", en: "Open a device's page" },
        hint: { "pt-BR": "Parâmetros TR-069, histórico, interfaces e diagnóstico.", en: "TR-069 parameters, history, interfaces and diagnostics." },
      },
    ],
  },
  network: {
    title: { "pt-BR": "Rede", en: "Network" },
    intro: {
      "pt-BR": "A hierarquia do provedor: POPs (pontos de presença), clientes e os dispositivos de cada um. É ela que dá sentido aos filtros por POP em todo o painel.",
      en: "The provider's hierarchy: POPs (points of presence), customers and each one's devices. It gives meaning to the POP filters across the dashboard.",
    },
    steps: [
      { id: "pop", title: { "pt-BR": "Cadastrar um POP", en: "Add a POP" }, detect: any("/api/v1/pops?limit=1", "pops.read") },
      { id: "customer", title: { "pt-BR": "Cadastrar um cliente", en: "Add a customer" }, detect: any("/api/v1/customers?limit=1", "customers.read"), href: "/network/customers" },
      {
        id: "default-pop",
        title: { "pt-BR": "Escolher o POP padrão dos filtros", en: "Choose the POP filters start with" },
        hint: { "pt-BR": "Em Preferências.", en: "In Preferences." },
        href: "/preferences",
      },
    ],
  },
  provisioning: {
    title: { "pt-BR": "Provisionamento (ACS)", en: "Provisioning (ACS)" },
    intro: {
      "pt-BR": "O ACS TR-069 da plataforma: os CPEs se conectam a ele com uma credencial do provedor, informam seus parâmetros e recebem configurações por modelos aplicados em lotes.",
      en: "The platform's TR-069 ACS: CPEs connect to it with a credential of the provider, report their parameters and receive settings from templates applied in batches.",
    },
    steps: [
      {
        id: "cpe-credential",
        title: { "pt-BR": "Criar uma credencial de CPE", en: "Add a CPE credential" },
        detect: any("/api/v1/acs/credentials?limit=1", "settings.read"),
        href: "/setup",
      },
      {
        id: "point-cpes",
        title: { "pt-BR": "Apontar os CPEs para o endereço do ACS", en: "Point the CPEs at the ACS address" },
        hint: {
          "pt-BR": "O endereço e o usuário aparecem em Configuração; configure-os no CPE ou no DHCP (opção 43).",
          en: "The address and user name are shown under Set-up; set them on the CPE or in DHCP (option 43).",
        },
        href: "/setup",
      },
      {
        id: "first-inform",
        title: { "pt-BR": "Receber o primeiro Inform", en: "See the first Inform" },
        hint: { "pt-BR": "Um dispositivo que já falou com a plataforma.", en: "A device that has already talked to the platform." },
        detect: { url: "/api/v1/devices?sort=-last_seen_at&limit=20", permission: "devices.read", test: "seen" },
        href: "/devices",
      },
      { id: "template", title: { "pt-BR": "Criar um modelo de configuração", en: "Create a configuration template" }, detect: any("/api/v1/provisioning/templates?limit=1", "provisioning.read") },
      { id: "rollout", title: { "pt-BR": "Aplicar um modelo em lote", en: "Roll a template out" }, detect: any("/api/v1/provisioning/rollouts?limit=1", "provisioning.read") },
    ],
  },
  monitoring: {
    title: { "pt-BR": "Configuração do monitoramento", en: "Monitoring set-up" },
    intro: {
      "pt-BR": "Primeiros passos e monitoramento SNMP: credenciais (v2c ou v3), faixas de descoberta que encontram os agentes e os equipamentos que passam a ser consultados.",
      en: "First steps and SNMP monitoring: credentials (v2c or v3), discovery ranges that find the agents, and the equipment that is then polled.",
    },
    steps: [
      { id: "snmp-credential", title: { "pt-BR": "Criar uma credencial SNMP", en: "Add an SNMP credential" }, detect: any("/api/v1/snmp/credentials?limit=1", "monitoring.read"), href: "/setup/snmp" },
      { id: "discovery-range", title: { "pt-BR": "Criar uma faixa de descoberta", en: "Add a discovery range" }, detect: any("/api/v1/snmp/discovery-ranges?limit=1", "monitoring.read"), href: "/setup/discovery" },
      { id: "snmp-device", title: { "pt-BR": "Ter um equipamento monitorado", en: "Have a piece of equipment monitored" }, detect: any("/api/v1/snmp/devices?limit=1", "monitoring.read") },
      {
        id: "graphs",
        title: { "pt-BR": "Conferir os gráficos de interfaces", en: "Check the interface graphs" },
        hint: { "pt-BR": "Na aba Interfaces da página do dispositivo.", en: "In the Interfaces tab of the device's page." },
      },
    ],
  },
  alerts: {
    title: { "pt-BR": "Alertas", en: "Alerts" },
    intro: {
      "pt-BR": "Regras avaliam as métricas e o estado dos equipamentos; alertas viram incidentes e são enviados pelos canais (e-mail, webhook, Telegram, push). Silêncios e janelas de manutenção seguram o barulho.",
      en: "Rules evaluate metrics and equipment state; alerts become incidents and are sent through channels (e-mail, webhook, Telegram, push). Silences and maintenance windows hold the noise.",
    },
    steps: [
      { id: "alert-rule", title: { "pt-BR": "Criar ou instalar regras", en: "Create or install rules" }, detect: any("/api/v1/alert-rules?limit=1", "alerts.read"), href: "/alerts/rules" },
      { id: "channel", title: { "pt-BR": "Criar um canal de notificação", en: "Add a notification channel" }, detect: any("/api/v1/notification-channels?limit=1", "alerts.read"), href: "/alerts/channels" },
      { id: "push", title: { "pt-BR": "Receber alertas neste navegador", en: "Get alerts in this browser" }, detect: any("/api/v1/me/push-subscriptions", "alerts.read"), href: "/preferences" },
      {
        id: "maintenance",
        title: { "pt-BR": "Planejar uma janela de manutenção", en: "Plan a maintenance window" },
        href: "/alerts/maintenance",
      },
    ],
  },
  tools: {
    title: { "pt-BR": "Ferramentas", en: "Tools" },
    intro: {
      "pt-BR": "Ping, traceroute, MTR, varreduras, DNS, HTTP e teste de velocidade no CPE, executados pela plataforma, por um POP ou pelo próprio CPE, com o resultado ao vivo e um histórico.",
      en: "Ping, traceroute, MTR, scans, DNS, HTTP and a speed test on the CPE, run by the platform, a POP or the CPE itself, with the result live and a history.",
    },
    steps: [
      { id: "target-range", title: { "pt-BR": "Liberar as redes que podem ser testadas", en: "Allow the networks that may be tested" }, detect: any("/api/v1/tool-target-ranges", "tools.read") },
      { id: "first-run", title: { "pt-BR": "Executar o primeiro teste", en: "Run the first test" }, detect: any("/api/v1/tool-runs?limit=1", "tools.read") },
      {
        id: "speed-test",
        title: { "pt-BR": "Medir a velocidade de um cliente no CPE", en: "Measure a customer's speed on the CPE" },
        hint: { "pt-BR": "Teste de velocidade (TR-143), a partir do CPE.", en: "Speed test (TR-143), from the CPE." },
      },
    ],
  },
  reports: {
    title: { "pt-BR": "Relatórios", en: "Reports" },
    intro: {
      "pt-BR": "SLA, banda, incidentes e ópticos por provedor, POP, cliente ou dispositivo, em PDF ou CSV; sob demanda ou enviados por e-mail em agendamentos.",
      en: "SLA, bandwidth, incidents and optics per provider, POP, customer or device, as PDF or CSV; on demand or e-mailed on a schedule.",
    },
    steps: [
      { id: "first-report", title: { "pt-BR": "Gerar o primeiro relatório", en: "Generate the first report" }, detect: any("/api/v1/reports?limit=1", "reports.read") },
      { id: "schedule", title: { "pt-BR": "Agendar um envio por e-mail", en: "Schedule an e-mail" }, detect: any("/api/v1/report-schedules?limit=1", "reports.read") },
      { id: "logo", title: { "pt-BR": "Enviar o logotipo do provedor", en: "Upload the provider's logo" }, hint: { "pt-BR": "Nas configurações dos relatórios.", en: "In the report settings." } },
    ],
  },
  jobs: {
    title: { "pt-BR": "Filas", en: "Jobs" },
    intro: {
      "pt-BR": "O trabalho em segundo plano: tarefas nos dispositivos, entregas de notificações, relatórios. Um job que falhou todas as tentativas fica nas cartas mortas, para tentar de novo ou descartar.",
      en: "Background work: device tasks, notification deliveries, reports. A job that failed every attempt stays in the dead letters, to retry or discard.",
    },
    steps: [
      { id: "queues", title: { "pt-BR": "Conferir as contagens por fila", en: "Check the counts per queue" } },
      { id: "dead-letters", title: { "pt-BR": "Tratar as cartas mortas", en: "Deal with the dead letters" }, hint: { "pt-BR": "Tentar de novo ou descartar.", en: "Retry or discard." } },
    ],
  },
  admin: {
    title: { "pt-BR": "Administração", en: "Administration" },
    intro: {
      "pt-BR": "Quem usa o provedor e o que pode fazer: usuários, papéis e permissões, chaves de API para integrações e o registro de auditoria de cada alteração.",
      en: "Who uses the provider and what they may do: users, roles and permissions, API keys for integrations, and the audit log of every change.",
    },
    steps: [
      { id: "users", title: { "pt-BR": "Convidar outra pessoa da equipe", en: "Invite another team member" }, detect: { url: "/api/v1/users?limit=2", permission: "users.read", test: "many" } },
      { id: "totp", title: { "pt-BR": "Ativar a verificação em duas etapas", en: "Turn on two-step verification" } },
      { id: "api-key", title: { "pt-BR": "Criar uma chave de API para integrações", en: "Create an API key for integrations" }, detect: any("/api/v1/api-keys", "settings.read") },
      { id: "audit", title: { "pt-BR": "Consultar o registro de auditoria", en: "Look at the audit log" } },
    ],
  },
};

/** Whether a detector's answer marks its step done. */
export function detected(test: Detector["test"], page: { items?: { last_seen_at?: string | null }[]; total?: number } | undefined): boolean {
  if (!page) return false;
  const count = page.total ?? page.items?.length ?? 0;
  if (test === "many") return count >= 2;
  if (test === "seen") return (page.items ?? []).some((item) => Boolean(item.last_seen_at));
  return count > 0;
}

/** The steps done: detected ones and those the person ticked (ids no longer in the list are ignored). */
export function progress(content: HelpContent, ticked: readonly string[], detectedIds: ReadonlySet<string>): { done: Set<string>; count: number; total: number } {
  const done = new Set(content.steps.filter((s) => detectedIds.has(s.id) || ticked.includes(s.id)).map((s) => s.id));
  return { done, count: done.size, total: content.steps.length };
}
