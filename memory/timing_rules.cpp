#include "memory/timing_rules.hpp"

namespace npusim::memory {

const char* to_string(Cmd c) {
  switch (c) {
    case Cmd::ACT: return "ACT";
    case Cmd::PRE: return "PRE";
    case Cmd::PREA: return "PREA";
    case Cmd::RD: return "RD";
    case Cmd::WR: return "WR";
    case Cmd::RDA: return "RDA";
    case Cmd::WRA: return "WRA";
    case Cmd::REFab: return "REFab";
    case Cmd::REFpb: return "REFpb";
    case Cmd::kCount: break;
  }
  return "?";
}

const char* to_string(Scope s) {
  switch (s) {
    case Scope::Bank: return "same bank";
    case Scope::BankGroup: return "same bank group";
    case Scope::PseudoChannel: return "same pseudo-channel";
  }
  return "?";
}

std::vector<TimingRule> build_timing_rules(const HbmTiming& t, const HbmOrg& o) {
  const int bl = t.nBL(o);
  const int wr_to_pre = t.nCWL + bl + t.nWR;      // write recovery counts from the end of data
  const int rda_to_act = t.nRTP + t.nRP;           // auto-precharge starts tRTP after the read
  const int wra_to_act = wr_to_pre + t.nRP;
  const int wr_to_rd_l = t.nCWL + bl + t.nWTRL;
  const int wr_to_rd_s = t.nCWL + bl + t.nWTRS;
  using C = Cmd;
  using S = Scope;
  std::vector<TimingRule> r = {
      // Row cycle of one bank.
      {C::ACT, C::ACT, S::Bank, t.nRC, "tRC"},
      {C::ACT, C::RD, S::Bank, t.nRCDRD, "tRCDRD"},
      {C::ACT, C::RDA, S::Bank, t.nRCDRD, "tRCDRD"},
      {C::ACT, C::WR, S::Bank, t.nRCDWR, "tRCDWR"},
      {C::ACT, C::WRA, S::Bank, t.nRCDWR, "tRCDWR"},
      {C::ACT, C::PRE, S::Bank, t.nRAS, "tRAS"},
      {C::ACT, C::PREA, S::Bank, t.nRAS, "tRAS"},
      {C::PRE, C::ACT, S::Bank, t.nRP, "tRP"},
      {C::PRE, C::REFpb, S::Bank, t.nRP, "tRP"},
      {C::RD, C::PRE, S::Bank, t.nRTP, "tRTP"},
      {C::RD, C::PREA, S::Bank, t.nRTP, "tRTP"},
      {C::WR, C::PRE, S::Bank, wr_to_pre, "CWL+BL+tWR"},
      {C::WR, C::PREA, S::Bank, wr_to_pre, "CWL+BL+tWR"},
      {C::RDA, C::ACT, S::Bank, rda_to_act, "tRTP+tRP"},
      {C::RDA, C::REFpb, S::Bank, rda_to_act, "tRTP+tRP"},
      {C::WRA, C::ACT, S::Bank, wra_to_act, "CWL+BL+tWR+tRP"},
      {C::WRA, C::REFpb, S::Bank, wra_to_act, "CWL+BL+tWR+tRP"},
      {C::REFpb, C::ACT, S::Bank, t.nRFCpb, "tRFCpb"},
      // An auto-precharge cannot start before tRAS: refresh after an
      // RDA/WRA must also wait tRAS + tRP from the ACT (ACT->ACT has tRC).
      {C::ACT, C::REFpb, S::Bank, t.nRAS + t.nRP, "tRAS+tRP"},
      {C::ACT, C::REFab, S::Bank, t.nRAS + t.nRP, "tRAS+tRP"},
      {C::RDA, C::PREA, S::Bank, t.nRTP, "tRTP"},
      {C::WRA, C::PREA, S::Bank, wr_to_pre, "CWL+BL+tWR"},
      {C::REFpb, C::REFpb, S::Bank, t.nRFCpb, "tRFCpb"},
      // Bank group: the long versions of column and activate spacing.
      {C::ACT, C::ACT, S::BankGroup, t.nRRDL, "tRRD_L"},
      {C::RD, C::RD, S::BankGroup, t.nCCDL, "tCCD_L"},
      {C::RD, C::RDA, S::BankGroup, t.nCCDL, "tCCD_L"},
      {C::RDA, C::RD, S::BankGroup, t.nCCDL, "tCCD_L"},
      {C::RDA, C::RDA, S::BankGroup, t.nCCDL, "tCCD_L"},
      {C::WR, C::WR, S::BankGroup, t.nCCDL, "tCCD_L"},
      {C::WR, C::WRA, S::BankGroup, t.nCCDL, "tCCD_L"},
      {C::WRA, C::WR, S::BankGroup, t.nCCDL, "tCCD_L"},
      {C::WRA, C::WRA, S::BankGroup, t.nCCDL, "tCCD_L"},
      {C::WR, C::RD, S::BankGroup, wr_to_rd_l, "CWL+BL+tWTR_L"},
      {C::WR, C::RDA, S::BankGroup, wr_to_rd_l, "CWL+BL+tWTR_L"},
      {C::WRA, C::RD, S::BankGroup, wr_to_rd_l, "CWL+BL+tWTR_L"},
      {C::WRA, C::RDA, S::BankGroup, wr_to_rd_l, "CWL+BL+tWTR_L"},
      // Pseudo-channel: short spacing, bus turnaround, refresh.
      {C::ACT, C::ACT, S::PseudoChannel, t.nRRDS, "tRRD_S"},
      {C::ACT, C::REFpb, S::PseudoChannel, t.nRRDS, "tRRD_S"},
      {C::RD, C::RD, S::PseudoChannel, t.nCCDS, "tCCD_S"},
      {C::RD, C::RDA, S::PseudoChannel, t.nCCDS, "tCCD_S"},
      {C::RDA, C::RD, S::PseudoChannel, t.nCCDS, "tCCD_S"},
      {C::RDA, C::RDA, S::PseudoChannel, t.nCCDS, "tCCD_S"},
      {C::WR, C::WR, S::PseudoChannel, t.nCCDS, "tCCD_S"},
      {C::WR, C::WRA, S::PseudoChannel, t.nCCDS, "tCCD_S"},
      {C::WRA, C::WR, S::PseudoChannel, t.nCCDS, "tCCD_S"},
      {C::WRA, C::WRA, S::PseudoChannel, t.nCCDS, "tCCD_S"},
      {C::RD, C::WR, S::PseudoChannel, t.nRTW, "tRTW"},
      {C::RD, C::WRA, S::PseudoChannel, t.nRTW, "tRTW"},
      {C::RDA, C::WR, S::PseudoChannel, t.nRTW, "tRTW"},
      {C::RDA, C::WRA, S::PseudoChannel, t.nRTW, "tRTW"},
      {C::WR, C::RD, S::PseudoChannel, wr_to_rd_s, "CWL+BL+tWTR_S"},
      {C::WR, C::RDA, S::PseudoChannel, wr_to_rd_s, "CWL+BL+tWTR_S"},
      {C::WRA, C::RD, S::PseudoChannel, wr_to_rd_s, "CWL+BL+tWTR_S"},
      {C::WRA, C::RDA, S::PseudoChannel, wr_to_rd_s, "CWL+BL+tWTR_S"},
      {C::PREA, C::ACT, S::PseudoChannel, t.nRP, "tRP"},
      {C::PREA, C::REFab, S::PseudoChannel, t.nRP, "tRP"},
      {C::PRE, C::REFab, S::PseudoChannel, t.nRP, "tRP"},
      {C::RDA, C::REFab, S::PseudoChannel, rda_to_act, "tRTP+tRP"},
      {C::WRA, C::REFab, S::PseudoChannel, wra_to_act, "CWL+BL+tWR+tRP"},
      {C::REFab, C::ACT, S::PseudoChannel, t.nRFC, "tRFC"},
      {C::REFab, C::REFab, S::PseudoChannel, t.nRFC, "tRFC"},
      {C::REFab, C::REFpb, S::PseudoChannel, t.nRFC, "tRFC"},
      {C::REFpb, C::ACT, S::PseudoChannel, t.nRREFD, "tRREFD"},
      {C::REFpb, C::REFpb, S::PseudoChannel, t.nRREFD, "tRREFD"},
      {C::REFpb, C::REFab, S::PseudoChannel, t.nRFCpb, "tRFCpb"},
  };
  return r;
}

}  // namespace npusim::memory
