// One deal on the deals kanban = one element fed by one prop, like the client card (client_card.js).
export default {
  template: `
    <div class="vk-card q-pa-sm" :class="{ 'no-drag': !card.can_act, 'vk-flash': !!flash, 'vk-overdue': card.task_overdue }"
         :data-deal-id="card.id" @click="$emit('open')">
      <div class="row no-wrap items-start">
        <div class="vk-card-name col">{{ card.client }}</div>
        <q-btn flat dense round size="sm" icon="more_vert" class="vk-card-menu" @click.stop>
          <q-menu auto-close>
            <q-list dense style="min-width: 160px">
              <q-item clickable @click="$emit('open')"><q-item-section>{{ labels.open }}</q-item-section></q-item>
              <q-item v-if="card.can_act" clickable @click="$emit('move')"><q-item-section>{{ labels.move }}</q-item-section></q-item>
            </q-list>
          </q-menu>
        </q-btn>
      </div>
      <div class="row items-center no-wrap q-gutter-x-xs vk-card-meta">
        <q-badge v-if="card.object" color="blue-grey-1" text-color="blue-grey-9" :label="card.object" class="ellipsis" />
        <q-space />
        <span class="vk-deal-amount">{{ card.amount }}</span>
      </div>
      <div v-if="card.task" class="vk-card-line" :class="{ 'text-negative text-weight-medium': card.task_overdue }">
        <q-icon name="event" size="14px" /> {{ card.task }}
      </div>
      <div class="row no-wrap items-center justify-between vk-card-footer">
        <span class="ellipsis"><q-icon name="person" size="14px" /> {{ card.responsible }}</span>
        <span class="q-ml-sm no-wrap" :title="card.dates_title">{{ card.created }} · {{ card.stage_date }}</span>
      </div>
      <div v-if="flash" class="vk-flash-by"><q-icon name="bolt" size="14px" /> {{ flash }}</div>
    </div>
  `,
  props: { card: Object, flash: String },
  computed: {
    labels() {
      return window.vkLabels || { open: "Open", move: "Move…" };
    },
  },
};
